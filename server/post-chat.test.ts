import { BUILT_IN_PROVIDER_IDS } from '../shared/catalogue.ts'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { requestKey } from './keys.ts'
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
  const post = (json: unknown) => h.api('/api/ai/chat', { json })
  const withEnv = async <T,>(env: Record<string, string>, task: () => Promise<T>) => {
    h.setEnv(env)
    try {
      return await task()
    } finally {
      h.setEnv(Object.fromEntries(Object.keys(env).map((name) => [name, undefined])))
    }
  }
  const eight = Array.from({ length: 9 }, () => ({ provider: 'openai' }))
  const cases: Array<[string, () => Promise<ApiAnswer>, number, string, (string | RegExp)?]> = [
    ['a body that is not JSON', () => raw('message=hello', { 'content-type': 'application/x-www-form-urlencoded' }), 400, 'invalid_json'],
    ['an empty body', () => raw(''), 400, 'invalid_json'],
    ['invalid UTF-8', () => h.api('/api/ai/chat', { method: 'POST', body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), 400, 'invalid_json'],
    ['a JSON array', () => h.api('/api/ai/chat', { json: ['hello'] }), 400, 'invalid_request'],
    ['a JSON string', () => h.api('/api/ai/chat', { json: 'hello' }), 400, 'invalid_request'],
    ['no message', () => h.api('/api/ai/chat', { json: {} }), 400, 'invalid_request'],
    ['a message that is a number', () => h.api('/api/ai/chat', { json: { message: 42 } }), 400, 'invalid_request'],
    ['an empty message', () => h.api('/api/ai/chat', { json: { message: '' } }), 400, 'invalid_request'],
    ['a whitespace-only message', () => h.api('/api/ai/chat', { json: { message: ' \n\t\u00a0' } }), 400, 'invalid_request'],
    ['a typo "model" for "models"', () => post({ message: 'hi', model: 'gpt-5' }), 400, 'invalid_request', 'Unknown field "model". Did you mean "models"?'],
    ['"__proto__" as a field', () => h.api('/api/ai/chat', { method: 'POST', body: '{"message":"hi","__proto__":1}' }), 400, 'invalid_request', 'Unknown field "__proto__". Allowed fields: message, models, participants, system, temperature, maxTokens.'],
    ['"constructor" as a field', () => post({ message: 'hi', constructor: 1 }), 400, 'invalid_request', /^Unknown field "constructor"\. Allowed fields/],
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
    ['a message over 32000 characters', () => post({ message: '😀'.repeat(8_000) + 'x'.repeat(24_001) }), 413, 'payload_too_large', '"message" is 32,001 characters long; the limit is 32,000.'],
    // Participants
    ['models and participants together', () => post({ message: 'hi', models: { openai: 'gpt-5' }, participants: [{ provider: 'openai' }] }), 400, 'invalid_request', /either "models" or "participants"/],
    ['no participants', () => post({ message: 'hi', participants: [] }), 400, 'invalid_request', /at least one model/],
    ['more than 8 participants', () => post({ message: 'hi', participants: eight }), 400, 'invalid_request', '"participants" names 9 models; a chat compares at most 8.'],
    ['participants that is not a list', () => post({ message: 'hi', participants: { provider: 'openai' } }), 400, 'invalid_request', /^"participants" must be a list/],
    ['a participant without a provider', () => post({ message: 'hi', participants: [{ model: 'gpt-5' }] }), 400, 'invalid_request', '"participants[0].provider" is required and must be a provider id such as "openai".'],
    ['a misspelt participant field', () => post({ message: 'hi', participants: [{ provider: 'openai', models: 'gpt-5' }] }), 400, 'invalid_request', 'Unknown field "participants[0].models". Did you mean "model"?'],
    ['a participant id that breaks the rule', () => post({ message: 'hi', participants: [{ provider: 'openai', id: 'GPT 5!' }] }), 400, 'invalid_request', /"participants\[0\]\.id" is "GPT 5!"/],
    ['a participant id used twice', () => post({ message: 'hi', participants: [{ provider: 'openai', id: 'a' }, { provider: 'anthropic', id: 'a' }] }), 400, 'invalid_request', 'The participant id "a" is used twice; each participant needs its own id.'],
    ['an unknown provider among participants', () => post({ message: 'hi', participants: [{ provider: 'openai' }, { provider: 'mistral' }] }), 400, 'unknown_provider', /Unknown provider "mistral" in "participants\[1\]\.provider"/],
    ['a participant model outside the allow-list', () => post({ message: 'hi', participants: [{ provider: 'anthropic', model: 'claude-2' }] }), 400, 'model_not_allowed'],
    ['a participant temperature above 2', () => post({ message: 'hi', participants: [{ provider: 'openai', temperature: 2.5 }] }), 400, 'invalid_request', '"participants[0].temperature" must be a number from 0 to 2.'],
    ['a compatible provider whose definition is broken', () => post({ message: 'hi', participants: [{ provider: 'broken' }] }), 400, 'provider_not_configured', 'Broken is not configured on this server (AI_CHAT_COMPAT_BROKEN_MODELS is not set (a comma-separated list of models, first = default)).'],
    ['more providers in models than AI_CHAT_MAX_PARTICIPANTS', () => withEnv({ AI_CHAT_MAX_PARTICIPANTS: '2' }, () => post({ message: 'hi', models: { openai: 'gpt-4.1', anthropic: 'claude-haiku-4-5', gemini: 'gemini-2.5-flash' } })), 400, 'invalid_request', '"models" names 3 providers; a chat compares at most 2.'],
    ['an idempotency key that is not printable', () => h.api('/api/ai/chat', { json: { message: 'hi' }, headers: { 'idempotency-key': ' ' } }), 400, 'invalid_request', /Idempotency-Key/],
  ]

  beforeAll(() => h.setEnv({ AI_CHAT_COMPAT_BROKEN_BASE_URL: 'http://broken.test/v1' }))
  afterAll(() => h.setEnv({ AI_CHAT_COMPAT_BROKEN_BASE_URL: undefined }))

  it.each(cases)('%s', async (_name, send, status, code, message) => {
    await h.platform.settle()
    const before = await h.blobs.keys()
    const answer = await send()
    expect(answer.status).toBe(status)
    expect(answer.headers.get('content-type')).toMatch(/application\/json/)
    expect(answer.body).toEqual({ success: false, error: { code, message: expect.any(String) } })
    expect(answer.body.error.message.length).toBeGreaterThan(10)
    if (message) expect(answer.body.error.message).toMatch(message instanceof RegExp ? message : new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))
    await h.platform.settle()
    expect(await h.blobs.keys()).toEqual(before)
    expect(h.providers.calls).toHaveLength(0)
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
    expect(await h.blobs.store.getJSON(requestKey(answer.body.chatId))).toMatchObject({ message: 'from curl' })
    await h.platform.settle()
  })

  it('asks every configured provider with its default model when no models are given', async () => {
    const chatId = await h.startChat({ message: 'Hi' })
    const doc = await h.waitForFinal(chatId)
    expect(Object.keys(doc.results)).toEqual([...BUILT_IN_PROVIDER_IDS])
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

    // The fairness record: what each participant was actually sent, with a note for every change.
    const doc = await h.waitForFinal(chatId)
    const params = Object.fromEntries(doc.participants.map((p: any) => [p.id, p.params]))
    expect(params.anthropic).toEqual({ model: 'claude-haiku-4-5', system: 'Be brief.', temperature: 1, maxTokens: 4096, notes: ['maxTokens lowered from 100000 to the server cap of 4096.', "temperature lowered from 1.5 to Anthropic's maximum of 1."] })
    expect(params.openai).toMatchObject({ temperature: 1.5, maxTokens: 4096 })
  })

  it('sends no temperature to a reasoning model and records why', async () => {
    const chatId = await h.startChat({ message: 'Hi', temperature: 0.2, models: { openai: 'gpt-5-mini' } })
    await h.waitForFinal(chatId)
    expect(h.providers.callsOf('openai')[0]!.body).not.toHaveProperty('temperature')
    const doc = await h.waitForFinal(chatId)
    expect(doc.participants[0].params.notes).toEqual(['temperature not sent: gpt-5-mini accepts only its default.'])
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

describe('participants', () => {
  it('compares two models of one provider and another provider: results keyed openai, openai-2, anthropic, each with its model, usage and cost', async () => {
    const chatId = await h.startChat({ message: 'hi', participants: [{ provider: 'openai', model: 'gpt-5' }, { provider: 'openai', model: 'gpt-5-mini' }, { provider: 'anthropic' }] })
    const doc = await h.waitForFinal(chatId)
    expect(Object.keys(doc.results)).toEqual(['openai', 'openai-2', 'anthropic'])
    expect(doc.participants.map((p: any) => [p.id, p.provider, p.model])).toEqual([
      ['openai', 'openai', 'gpt-5'],
      ['openai-2', 'openai', 'gpt-5-mini'],
      ['anthropic', 'anthropic', 'claude-sonnet-4-6'],
    ])
    for (const id of ['openai', 'openai-2', 'anthropic']) {
      expect(doc.results[id]).toMatchObject({ status: 'done', provider: id.startsWith('openai') ? 'openai' : 'anthropic', usage: expect.any(Object), cost: { totalUsd: expect.any(Number) } })
    }
    expect(doc.totalCostUsd).toBeCloseTo(Object.values(doc.results).reduce((sum: number, r: any) => sum + r.cost.totalUsd, 0), 8)
  })

  it('gives each participant its own settings over the chat-level ones', async () => {
    const chatId = await h.startChat({ message: 'hi', system: 'Chat-wide.', temperature: 0.5, participants: [{ provider: 'anthropic', id: 'terse', system: 'One word.', temperature: 0.1, maxTokens: 50 }, { provider: 'anthropic', id: 'plain' }] })
    await h.waitForFinal(chatId)
    const [terse, plain] = h.providers.callsOf('anthropic').sort((a, b) => (a.body.max_tokens as number) - (b.body.max_tokens as number))
    expect(terse!.body).toMatchObject({ system: 'One word.', temperature: 0.1, max_tokens: 50 })
    expect(plain!.body).toMatchObject({ system: 'Chat-wide.', temperature: 0.5, max_tokens: 4096 })
  })

  it('assigns missing ids around the ones given, skipping ids already taken', async () => {
    const chatId = await h.startChat({ message: 'hi', participants: [{ provider: 'gemini', id: 'gemini-2' }, { provider: 'gemini' }, { provider: 'gemini' }] })
    expect(Object.keys((await h.waitForFinal(chatId)).results)).toEqual(['gemini-2', 'gemini', 'gemini-3'])
  })

  it('keeps the old forms: result keys are provider ids, with the additive fields', async () => {
    const doc = await h.waitForFinal(await h.startChat({ message: 'hi', models: { gemini: 'gemini-2.5-pro', openai: 'gpt-4.1' } }))
    expect(Object.keys(doc.results)).toEqual(['openai', 'gemini'])
    expect(doc).toMatchObject({ success: true, status: 'completed', request: { message: 'hi', maxTokens: 4096 }, demo: false, completedAt: expect.any(String), expiresAt: expect.any(String), version: expect.any(String), totalCostUsd: expect.any(Number) })
    expect(doc.turns).toHaveLength(1)
    expect(doc.turns[0]).toMatchObject({ turn: 1, message: 'hi', status: 'completed', pick: null, results: doc.results })
  })
})

describe('GET /api/ai/models', () => {
  it('lists every provider with its models, and the limits a request must respect', async () => {
    const answer = await h.api('/api/ai/models')
    expect(answer.body).toMatchObject({ success: true, demo: false, limits: { maxParticipants: 8, maxMessageChars: 32000, maxOutputTokens: 4096, maxTurns: 20, maxAnswerChars: 100000 } })
    expect(answer.body.providers.map((p: any) => p.id)).toEqual([...BUILT_IN_PROVIDER_IDS])
    expect(answer.body.providers[0]).toEqual({ id: 'openai', label: 'OpenAI', configured: true, defaultModel: 'gpt-5-mini', models: expect.arrayContaining(['gpt-5', 'gpt-4.1']) })
  })
})
