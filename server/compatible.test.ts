import { BUILT_IN_PROVIDER_IDS } from '../shared/catalogue.ts'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { settings } from './settings.ts'
import { createHarness, TEST_KEYS, type Harness } from './testing/harness.ts'

const OLLAMA = 'http://ollama.test:11434/v1'
const ROUTER = 'https://openrouter.test/api/v1'
const ROUTER_KEY = 'sk-or-v1-routerSecretKey123'

let h: Harness
beforeAll(async () => {
  h = await createHarness(
    {
      AI_CHAT_COMPAT_OLLAMA_BASE_URL: OLLAMA,
      AI_CHAT_COMPAT_OLLAMA_MODELS: 'llama3.2:3b, qwen3:8b',
      AI_CHAT_COMPAT_OPEN_ROUTER_BASE_URL: ROUTER,
      AI_CHAT_COMPAT_OPEN_ROUTER_MODELS: 'meta-llama/llama-4-scout',
      AI_CHAT_COMPAT_OPEN_ROUTER_API_KEY: ROUTER_KEY,
      AI_CHAT_COMPAT_OPEN_ROUTER_LABEL: 'OpenRouter',
      AI_CHAT_COMPAT_HALF_API_KEY: 'sk-half-defined-secret',
      AI_CHAT_COMPAT_BADURL_BASE_URL: 'not a url',
      AI_CHAT_COMPAT_BADURL_MODELS: 'x',
      AI_CHAT_COMPAT_OPENAI_BASE_URL: 'http://shadow.test/v1',
      AI_CHAT_COMPAT_OPENAI_MODELS: 'x',
      AI_CHAT_PRICES: JSON.stringify({ 'open-router/meta-llama/llama-4-scout': { input: 0.08, output: 0.3 } }),
    },
    {
      setup: (providers) => {
        providers.compatible({ provider: 'ollama', baseUrl: OLLAMA })
        providers.compatible({ provider: 'open-router', baseUrl: ROUTER })
      },
    },
  )
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())

describe('OpenAI-compatible providers configured by environment', () => {
  it('are listed in /api/ai/models; a broken definition with the variable to fix, one shadowing a built-in not at all', async () => {
    const { body } = await h.api('/api/ai/models')
    const byId = Object.fromEntries(body.providers.map((p: any) => [p.id, p]))
    expect(Object.keys(byId)).toEqual(['openai', 'anthropic', 'gemini', 'badurl', 'half', 'ollama', 'open-router'])
    expect(byId.ollama).toEqual({ id: 'ollama', label: 'Ollama', configured: true, defaultModel: 'llama3.2:3b', models: ['llama3.2:3b', 'qwen3:8b'], compatible: 'openai' })
    expect(byId['open-router']).toMatchObject({ label: 'OpenRouter', configured: true, compatible: 'openai' })
    expect(byId.half).toMatchObject({ configured: false, reason: 'AI_CHAT_COMPAT_HALF_BASE_URL is not set' })
    expect(byId.badurl).toMatchObject({ configured: false, reason: 'AI_CHAT_COMPAT_BADURL_BASE_URL is not an http(s) URL' })
    expect(h.logs.some((line) => line.includes('compatible_provider_ignored') && line.includes('OPENAI'))).toBe(true)
    expect(JSON.stringify(body)).not.toContain('sk-half-defined-secret')
    expect(JSON.stringify(body)).not.toContain(ROUTER_KEY)
  })

  it('stream through the openai SDK at their base URL: without a key no Authorization is sent; with one, only it', async () => {
    const chatId = await h.startChat({ message: 'Hi', participants: [{ provider: 'ollama' }, { provider: 'ollama', model: 'qwen3:8b' }, { provider: 'open-router' }, { provider: 'openai' }] })
    const doc = await h.waitForFinal(chatId)
    expect(Object.keys(doc.results)).toEqual(['ollama', 'ollama-2', 'open-router', 'openai'])
    expect(doc.results.ollama).toMatchObject({ status: 'done', provider: 'ollama', text: 'Hello from ollama.' })
    const [llama, qwen] = [h.providers.callsOf('ollama', 'llama3.2:3b')[0]!, h.providers.callsOf('ollama', 'qwen3:8b')[0]!]
    expect(llama.url).toBe(`${OLLAMA}/chat/completions`)
    expect(llama.headers.authorization).toBeUndefined()
    expect(llama.body).toMatchObject({ max_tokens: 4096, stream_options: { include_usage: true } })
    expect(qwen.body.model).toBe('qwen3:8b')
    expect(h.providers.callsOf('open-router')[0]!.headers.authorization).toBe(`Bearer ${ROUTER_KEY}`)
    // Each server sees only its own key.
    for (const call of h.providers.calls) {
      const headers = JSON.stringify(call.headers)
      if (call.provider !== 'openai') expect(headers).not.toContain(TEST_KEYS.OPENAI_API_KEY)
      if (call.provider !== 'open-router') expect(headers).not.toContain(ROUTER_KEY)
    }
    // Priced through AI_CHAT_PRICES; unpriced otherwise.
    expect(doc.results['open-router'].cost).toMatchObject({ totalUsd: expect.any(Number) })
    expect(doc.results['open-router'].cost.pricedAt).toBeUndefined()
    expect(doc.results.ollama.cost).toBeNull()
  })

  it.each([
    ['no usage in the stream', { chunks: ['No usage.'], noUsage: true }, { status: 'done', text: 'No usage.', cost: null }],
    ['401', { status: 401 }, { status: 'error', error: { code: 'auth', message: 'Ollama refused the API key (401). Check AI_CHAT_COMPAT_OLLAMA_API_KEY.' } }],
    ['429 every time', { status: 429, retryAfter: '0' }, { status: 'error', error: { code: 'rate_limited' } }],
    ['500 every time', { status: 500 }, { status: 'error', error: { code: 'upstream' } }],
    ['a stream cut mid-way', { chunks: ['One ', 'two ', 'three'], cutAfter: 1 }, { status: 'error', text: 'One ', error: { code: 'stream_interrupted' } }],
  ])('report %s on their own card', async (_name, reply, expected) => {
    h.providers.script('ollama', reply)
    const doc = await h.waitForFinal(await h.startChat({ message: 'Hi', participants: [{ provider: 'ollama' }, { provider: 'gemini' }] }))
    expect(doc.results.ollama).toMatchObject(expected)
    if ('noUsage' in reply) expect(doc.results.ollama.usage).toBeUndefined()
    expect(doc.results.gemini.status).toBe('done')
  })

  it('retry once without stream_options when the server refuses them', async () => {
    await h.close()
    h = await createHarness(
      { AI_CHAT_COMPAT_LOCAL_BASE_URL: 'http://local.test/v1', AI_CHAT_COMPAT_LOCAL_MODELS: 'tiny' },
      { setup: (providers) => providers.compatible({ provider: 'local', baseUrl: 'http://local.test/v1', rejectsStreamOptions: true }) },
    )
    const doc = await h.waitForFinal(await h.startChat({ message: 'Hi', participants: [{ provider: 'local' }] }))
    expect(doc.results.local).toMatchObject({ status: 'done', text: 'Hello from local.' })
    const calls = h.providers.callsOf('local')
    expect(calls.map((call) => 'stream_options' in call.body)).toEqual([true, false])
  })

  it('refuse a broken definition in a chat with the same reason (provider_not_configured)', async () => {
    h.setEnv({ AI_CHAT_COMPAT_HALF_API_KEY: 'sk-half-defined-secret' })
    const answer = await h.api('/api/ai/chat', { json: { message: 'Hi', participants: [{ provider: 'half' }] } })
    expect(answer.status).toBe(400)
    expect(answer.body.error).toEqual({ code: 'provider_not_configured', message: 'Half is not configured on this server (AI_CHAT_COMPAT_HALF_BASE_URL is not set).' })
    h.setEnv({ AI_CHAT_COMPAT_HALF_API_KEY: undefined })
  })
})

describe('demo mode with compatible providers', () => {
  const base = { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined, GEMINI_API_KEY: undefined, GOOGLE_API_KEY: undefined }

  it('is off when a valid compatible provider is the only usable one; built-ins then say what key is missing', () => {
    const config = settings({ ...base, AI_CHAT_COMPAT_OLLAMA_BASE_URL: OLLAMA, AI_CHAT_COMPAT_OLLAMA_MODELS: 'llama3.2:3b' })
    expect(config.demo).toBe(false)
    expect(config.configured).toEqual(['ollama'])
  })

  it('is on with no usable provider (a broken definition does not count), and then simulates every valid one', () => {
    const config = settings({ ...base, AI_CHAT_COMPAT_HALF_API_KEY: 'x' })
    expect(config.demo).toBe(true)
    expect(config.configured).toEqual([...BUILT_IN_PROVIDER_IDS])
    const forced = settings({ ...TEST_KEYS, AI_CHAT_DEMO: '1', AI_CHAT_COMPAT_OLLAMA_BASE_URL: OLLAMA, AI_CHAT_COMPAT_OLLAMA_MODELS: 'llama3.2:3b' })
    expect(forced.configured).toEqual([...BUILT_IN_PROVIDER_IDS, 'ollama'])
  })

  it('gives different models of one provider different text and pace', async () => {
    const { demoAnswer, demoPace } = await import('./providers/demo.ts')
    const provider = settings({ ...TEST_KEYS }).providers[0]!
    const messages = [{ role: 'user' as const, content: 'Same prompt' }]
    expect(demoAnswer(provider, 'gpt-5', messages)).not.toBe(demoAnswer(provider, 'gpt-5-mini', messages))
    expect(demoPace(provider, 'gpt-5').firstTokenMs).not.toBe(demoPace(provider, 'gpt-5-mini').firstTokenMs)
    expect(demoPace(provider, 'gpt-5', 2).chunkMs).toBeCloseTo(demoPace(provider, 'gpt-5').chunkMs / 2)
  })
})
