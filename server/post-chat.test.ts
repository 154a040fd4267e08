import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { chatPrefix } from '../shared/keys.ts'
import { createHarness, type ApiAnswer, type Harness } from './testing/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())

const raw = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<ApiAnswer> =>
  h.api('/api/ai/chat', { method: 'POST', body, headers })

describe('POST /api/ai/chat rejects bad input with a clear JSON error and writes nothing', () => {
  const cases: Array<[string, () => Promise<ApiAnswer>, number, string]> = [
    ['a body that is not JSON', () => raw('message=hello', { 'content-type': 'application/x-www-form-urlencoded' }), 400, 'invalid_json'],
    ['an empty body', () => raw(''), 400, 'invalid_json'],
    ['invalid UTF-8', () => h.api('/api/ai/chat', { method: 'POST', body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), 400, 'invalid_json'],
    ['a JSON array', () => h.api('/api/ai/chat', { json: ['hello'] }), 400, 'invalid_request'],
    ['a JSON string', () => h.api('/api/ai/chat', { json: 'hello' }), 400, 'invalid_request'],
    ['no message', () => h.api('/api/ai/chat', { json: {} }), 400, 'invalid_request'],
    ['a message that is a number', () => h.api('/api/ai/chat', { json: { message: 42 } }), 400, 'invalid_request'],
    ['an empty message', () => h.api('/api/ai/chat', { json: { message: '' } }), 400, 'invalid_request'],
    ['a whitespace-only message', () => h.api('/api/ai/chat', { json: { message: ' \n\t\u00a0' } }), 400, 'invalid_request'],
    ['a typo "model" for "models"', () => h.api('/api/ai/chat', { json: { message: 'hi', model: 'gpt-5' } }), 400, 'invalid_request'],
    ['models: {}', () => h.api('/api/ai/chat', { json: { message: 'hi', models: {} } }), 400, 'invalid_request'],
    ['models as an array', () => h.api('/api/ai/chat', { json: { message: 'hi', models: ['openai'] } }), 400, 'invalid_request'],
    ['an empty model string', () => h.api('/api/ai/chat', { json: { message: 'hi', models: { openai: '' } } }), 400, 'invalid_request'],
    ['a model that is not a string', () => h.api('/api/ai/chat', { json: { message: 'hi', models: { openai: 5 } } }), 400, 'invalid_request'],
    ['an unknown provider', () => h.api('/api/ai/chat', { json: { message: 'hi', models: { mistral: 'large' } } }), 400, 'unknown_provider'],
    ['a model outside the allow-list', () => h.api('/api/ai/chat', { json: { message: 'hi', models: { openai: 'gpt-2' } } }), 400, 'model_not_allowed'],
    ['a temperature as a string', () => h.api('/api/ai/chat', { json: { message: 'hi', temperature: '0.5' } }), 400, 'invalid_request'],
    ['a temperature above 2', () => h.api('/api/ai/chat', { json: { message: 'hi', temperature: 3 } }), 400, 'invalid_request'],
    ['a fractional maxTokens', () => h.api('/api/ai/chat', { json: { message: 'hi', maxTokens: 10.5 } }), 400, 'invalid_request'],
    ['maxTokens of 0', () => h.api('/api/ai/chat', { json: { message: 'hi', maxTokens: 0 } }), 400, 'invalid_request'],
    ['a system prompt that is not a string', () => h.api('/api/ai/chat', { json: { message: 'hi', system: { role: 'x' } } }), 400, 'invalid_request'],
    ['an unknown mode', () => h.api('/api/ai/chat?mode=turbo', { json: { message: 'hi' } }), 400, 'invalid_request'],
    ['a body over 64 KiB', () => raw(JSON.stringify({ message: 'x'.repeat(70_000) })), 413, 'payload_too_large'],
    ['a body over 64 KiB without Content-Length', () => h.api('/api/ai/chat', { method: 'POST', body: streamOf('{"message":"' + 'y'.repeat(70_000) + '"}'), duplex: 'half' } as RequestInit), 413, 'payload_too_large'],
    ['a message over 32000 characters', () => h.api('/api/ai/chat', { json: { message: '😀'.repeat(32_001) } }), 413, 'payload_too_large'],
  ]

  it.each(cases)('%s', async (_name, send, status, code) => {
    const answer = await send()
    expect(answer.status).toBe(status)
    expect(answer.headers.get('content-type')).toMatch(/application\/json/)
    expect(answer.body).toEqual({ success: false, error: { code, message: expect.any(String) } })
    expect(answer.body.error.message.length).toBeGreaterThan(10)
    await h.platform.settle()
    expect(await h.blobs.keys()).toEqual([])
    expect(h.providers.calls).toHaveLength(0)
  })

  it('says which field was meant when a known typo is used', async () => {
    const answer = await h.api('/api/ai/chat', { json: { message: 'hi', model: 'gpt-5' } })
    expect(answer.body.error.message).toBe('Unknown field "model". Did you mean "models"?')
  })

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('answers %s with 405 JSON and an Allow header', async (method) => {
    const answer = await h.api('/api/ai/chat', { method })
    expect(answer.status).toBe(405)
    expect(answer.headers.get('allow')).toBe('POST, OPTIONS')
    expect(answer.body.error.code).toBe('method_not_allowed')
    expect(await h.blobs.keys()).toEqual([])
  })
})

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192))
      controller.close()
    },
  })
}

describe('POST /api/ai/chat accepts a chat', () => {
  it('answers 202 with the chat id, its status URL and a Location header', async () => {
    const answer = await h.api('/api/ai/chat', { json: { message: 'Hello' } })
    expect(answer.status).toBe(202)
    expect(answer.body).toEqual({ success: true, chatId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'pending', statusUrl: `/api/ai/chat/${answer.body.chatId}` })
    expect(answer.headers.get('location')).toBe(answer.body.statusUrl)
    await h.platform.settle()
  })

  it('accepts a JSON body sent with curl -d (form content type)', async () => {
    const answer = await raw('{"message":"from curl"}', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(answer.status).toBe(202)
    await h.platform.settle()
  })

  it('asks every configured provider with its default model when no models are given', async () => {
    const chatId = await h.startChat({ message: 'Hi' })
    const doc = await h.waitForFinal(chatId)
    expect(Object.keys(doc.results)).toEqual(['openai', 'anthropic', 'gemini'])
    expect(h.providers.callsOf('openai')[0]!.body.model).toBe('gpt-5-mini')
    expect(h.providers.callsOf('anthropic')[0]!.body.model).toBe('claude-sonnet-4-6')
    expect(h.providers.callsOf('gemini')[0]!.url).toContain('/models/gemini-2.5-flash:streamGenerateContent')
  })

  it('asks only the providers named in models, in catalogue order', async () => {
    const chatId = await h.startChat({ message: 'Hi', models: { gemini: 'gemini-2.5-pro', openai: 'gpt-4.1' } })
    const doc = await h.waitForFinal(chatId)
    expect(Object.keys(doc.results)).toEqual(['openai', 'gemini'])
    expect(h.providers.callsOf('anthropic')).toHaveLength(0)
    expect(h.providers.callsOf('openai')[0]!.body.model).toBe('gpt-4.1')
  })

  it('sends the same system prompt, temperature and token cap to every provider and stores what was sent', async () => {
    const chatId = await h.startChat({ message: 'Hi', system: 'Be brief.', temperature: 1.5, maxTokens: 100_000, models: { openai: 'gpt-4.1', anthropic: 'claude-haiku-4-5', gemini: 'gemini-2.5-flash' } })
    await h.waitForFinal(chatId)
    const [openai] = h.providers.callsOf('openai')
    const [anthropic] = h.providers.callsOf('anthropic')
    const [gemini] = h.providers.callsOf('gemini')
    expect(openai!.body).toMatchObject({ temperature: 1.5, max_completion_tokens: 4096, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] })
    expect(anthropic!.body).toMatchObject({ temperature: 1, max_tokens: 4096, system: 'Be brief.' })
    expect(gemini!.body).toMatchObject({ generationConfig: { temperature: 1.5, maxOutputTokens: 4096 }, systemInstruction: { parts: [{ text: 'Be brief.' }] } })

    const chat = await h.blobs.store.getJSON<any>(`${chatPrefix(chatId)}request`)
    expect(chat.params.anthropic).toEqual({ model: 'claude-haiku-4-5', system: 'Be brief.', temperature: 1, maxTokens: 4096, notes: [expect.stringContaining('maxTokens lowered from 100000 to the server cap of 4096'), expect.stringContaining("temperature lowered from 1.5 to Anthropic's maximum of 1")] })
    expect(chat.params.openai).toMatchObject({ temperature: 1.5, maxTokens: 4096 })
  })

  it('sends no temperature to a reasoning model and records why', async () => {
    const chatId = await h.startChat({ message: 'Hi', temperature: 0.2, models: { openai: 'gpt-5-mini' } })
    await h.waitForFinal(chatId)
    expect(h.providers.callsOf('openai')[0]!.body).not.toHaveProperty('temperature')
    const chat = await h.blobs.store.getJSON<any>(`${chatPrefix(chatId)}request`)
    expect(chat.params.openai.notes).toEqual(['temperature not sent: gpt-5-mini accepts only its default.'])
  })

  it('refuses a provider without a key with provider_not_configured', async () => {
    h.setEnv({ ANTHROPIC_API_KEY: undefined })
    try {
      const answer = await h.api('/api/ai/chat', { json: { message: 'hi', models: { anthropic: 'claude-sonnet-4-6' } } })
      expect(answer.status).toBe(400)
      expect(answer.body.error).toEqual({ code: 'provider_not_configured', message: 'Anthropic is not configured on this server (no ANTHROPIC_API_KEY).' })
      const all = await h.startChat({ message: 'hi' })
      expect(Object.keys((await h.waitForFinal(all)).results)).toEqual(['openai', 'gemini'])
    } finally {
      h.setEnv({ ANTHROPIC_API_KEY: 'sk-ant-test-5ecretAnthr0pic' })
    }
  })
})
