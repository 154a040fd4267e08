import { readFileSync } from 'node:fs'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ProviderKind } from '../../shared/catalogue.ts'
import { TEST_KEYS } from '../testing/harness.ts'
import { createAnthropicAdapter } from './anthropic/adapter.ts'
import { toProviderError } from './errors.ts'
import { createGeminiAdapter } from './gemini/adapter.ts'
import { createOpenAIAdapter } from './openai/adapter.ts'
import { resolveProviders, type ProviderDefinition } from './registry.ts'
import type { ProviderAdapter, StreamEvent } from './types.ts'

/** A provider as the server resolves it from an environment. */
const providerOf = (id: string, env: Record<string, string> = { ...TEST_KEYS }): ProviderDefinition => resolveProviders(env).find((p) => p.id === id)!
const adapter = (create: (p: ProviderDefinition) => ProviderAdapter, id: ProviderKind, env?: Record<string, string>) => create(providerOf(id, env))
const label = (id: string) => providerOf(id)

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')
const sseResponse = (text: string) => new HttpResponse(text, { headers: { 'content-type': 'text/event-stream' } })

interface Seen {
  url: string
  headers: Headers
  body: any
}
let seen: Seen[] = []
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }))
afterEach(() => {
  server.resetHandlers()
  seen = []
})
afterAll(() => server.close())

function record(url: string | RegExp, respond: () => Response | Promise<Response>) {
  server.use(
    http.post(url, async ({ request }) => {
      seen.push({ url: request.url, headers: request.headers, body: await request.clone().json() })
      return respond()
    }),
  )
}

async function collect(adapter: ProviderAdapter, signal = new AbortController().signal): Promise<StreamEvent[]> {
  const events: StreamEvent[] = []
  for await (const event of adapter.stream({ model: 'm', messages: [{ role: 'user', content: 'Why blobs?' }], system: 'Be brief.', temperature: 0.3, maxTokens: 256 }, { signal })) events.push(event)
  return events
}

const textOf = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('')

describe('adapters against recorded streams', () => {
  it('OpenAI: streams chat.completion.chunk deltas, reports the served model, finish reason and usage', async () => {
    record('https://api.openai.com/v1/chat/completions', () => sseResponse(fixture('openai-chat-stream.txt')))
    const events = await collect(adapter(createOpenAIAdapter, 'openai'))
    expect(textOf(events)).toBe('Blobs keep each answer apart.')
    expect(events).toContainEqual({ type: 'model', model: 'gpt-5-mini-2025-08-07' })
    expect(events.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 21, outputTokens: 70 } })
    const [request] = seen
    expect(request!.headers.get('authorization')).toBe(`Bearer ${TEST_KEYS.OPENAI_API_KEY}`)
    expect(request!.body).toEqual({
      model: 'm',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Why blobs?' }],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 256,
      temperature: 0.3,
    })
  })

  it('Anthropic: streams message_start … message_stop, reports model, stop reason and usage', async () => {
    record('https://api.anthropic.com/v1/messages', () => sseResponse(fixture('anthropic-messages-stream.txt')))
    const events = await collect(adapter(createAnthropicAdapter, 'anthropic'))
    expect(textOf(events)).toBe('Each provider writes its own blob.')
    expect(events).toContainEqual({ type: 'model', model: 'claude-sonnet-4-6' })
    expect(events.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 18, outputTokens: 9 } })
    const [request] = seen
    expect(request!.headers.get('x-api-key') ?? request!.headers.get('authorization')).toContain(TEST_KEYS.ANTHROPIC_API_KEY)
    expect(request!.headers.get('anthropic-version')).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(request!.body).toEqual({ model: 'm', max_tokens: 256, messages: [{ role: 'user', content: 'Why blobs?' }], stream: true, system: 'Be brief.', temperature: 0.3 })
  })

  it('Gemini: streams streamGenerateContent SSE, counts thinking tokens as output', async () => {
    record(/generativelanguage\.googleapis\.com\/.*:streamGenerateContent/, () => sseResponse(fixture('gemini-stream-generate-content.txt')))
    const events = await collect(adapter(createGeminiAdapter, 'gemini'))
    expect(textOf(events)).toBe('Polling stops when all are final.')
    expect(events).toContainEqual({ type: 'model', model: 'gemini-2.5-flash' })
    expect(events.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 14, outputTokens: 33 } })
    const [request] = seen
    expect(request!.url).toMatch(/\/models\/m:streamGenerateContent\?alt=sse$/)
    expect(request!.headers.get('x-goog-api-key')).toBe(TEST_KEYS.GEMINI_API_KEY)
    expect(request!.url).not.toContain(TEST_KEYS.GEMINI_API_KEY)
    expect(request!.body).toMatchObject({
      contents: [{ parts: [{ text: 'Why blobs?' }], role: 'user' }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { temperature: 0.3, maxOutputTokens: 256 },
    })
  })

  it.each<[ProviderKind, (provider: ProviderDefinition) => ProviderAdapter, string, string, string]>([
    ['openai', createOpenAIAdapter, 'OPENAI_BASE_URL', 'https://gateway.test/openai/v1', 'https://gateway.test/openai/v1/chat/completions'],
    ['anthropic', createAnthropicAdapter, 'ANTHROPIC_BASE_URL', 'https://gateway.test/anthropic', 'https://gateway.test/anthropic/v1/messages'],
    ['gemini', createGeminiAdapter, 'GOOGLE_GEMINI_BASE_URL', 'https://gateway.test/gemini', 'https://gateway.test/gemini/'],
  ])('%s follows the AI Gateway base URL variable', async (provider, create, variable, base, expected) => {
    const file = { openai: 'openai-chat-stream.txt', anthropic: 'anthropic-messages-stream.txt', gemini: 'gemini-stream-generate-content.txt' }[provider]
    record(new RegExp(`^${base.replace(/[.]/g, '\\.')}`), () => sseResponse(fixture(file)))
    const events = await collect(adapter(create, provider, { ...TEST_KEYS, [variable]: base }))
    expect(events.at(-1)?.type).toBe('finish')
    expect(seen[0]!.url.startsWith(expected)).toBe(true)
  })

  it.each<[ProviderKind, (provider: ProviderDefinition) => ProviderAdapter, string | RegExp]>([
    ['openai', createOpenAIAdapter, 'https://api.openai.com/v1/chat/completions'],
    ['anthropic', createAnthropicAdapter, 'https://api.anthropic.com/v1/messages'],
    ['gemini', createGeminiAdapter, /generativelanguage\.googleapis\.com\/.*:streamGenerateContent/],
  ])('%s: an abort mid-stream throws the abort reason instead of ending quietly', async (provider, create, url) => {
    const controller = new AbortController()
    const file = { openai: 'openai-chat-stream.txt', anthropic: 'anthropic-messages-stream.txt', gemini: 'gemini-stream-generate-content.txt' }[provider]
    const frames = fixture(file).split('\n\n').filter(Boolean)
    record(url, () => {
      const body = new ReadableStream<Uint8Array>({
        async start(stream) {
          const encoder = new TextEncoder()
          for (const frame of frames.slice(0, 4)) stream.enqueue(encoder.encode(`${frame}\n\n`))
          await new Promise((resolve) => setTimeout(resolve, 2_000))
          stream.close()
        },
      })
      return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } })
    })
    const reason = new Error('stop now')
    const events: StreamEvent[] = []
    const run = (async () => {
      for await (const event of adapter(create, provider).stream({ model: 'm', messages: [{ role: 'user', content: 'x' }], maxTokens: 10 }, { signal: controller.signal })) {
        events.push(event)
        if (event.type === 'text') controller.abort(reason)
      }
    })()
    await expect(run).rejects.toBeDefined()
    expect(events.some((e) => e.type === 'finish')).toBe(false)
  })
})

describe('provider errors become codes a person understands', () => {
  it('calls a failure on our side (an SDK that cannot load) internal, not a network error', () => {
    const missing = Object.assign(new Error("Cannot find package '/srv/node_modules/openai/index.js'"), { code: 'ERR_MODULE_NOT_FOUND' })
    expect(toProviderError(label('openai'), missing)).toMatchObject({ code: 'internal', retryable: true })
  })

  const apiError = (status: number, headers: Record<string, string> = {}) => Object.assign(new Error(`${status} upstream said no`), { status, headers: new Headers(headers) })

  it.each<[number, string, boolean]>([
    [400, 'bad_request', false],
    [401, 'auth', false],
    [403, 'auth', false],
    [404, 'bad_request', false],
    [408, 'timeout', true],
    [429, 'rate_limited', true],
    [500, 'upstream', true],
    [502, 'upstream', true],
    [503, 'overloaded', true],
    [504, 'upstream', true],
    [529, 'overloaded', true],
  ])('HTTP %i → %s (retryable: %s)', (status, code, retryable) => {
    const error = toProviderError(label('anthropic'), apiError(status))
    expect(error).toMatchObject({ code, retryable, status })
    expect(error.message).toContain('Anthropic')
  })

  it('reads Retry-After in seconds and as an HTTP date', () => {
    expect(toProviderError(label('openai'), apiError(429, { 'retry-after': '7' })).retryAfterMs).toBe(7000)
    const date = new Date(Date.now() + 30_000).toUTCString()
    expect(toProviderError(label('openai'), apiError(429, { 'retry-after': date })).retryAfterMs).toBeGreaterThan(20_000)
    expect(toProviderError(label('openai'), apiError(429, { 'retry-after': '7' })).message).toBe('Rate limited by OpenAI; try again in 7 s.')
  })

  it('maps an Anthropic overloaded_error event inside a stream (no HTTP status)', () => {
    const error = toProviderError(label('anthropic'), Object.assign(new Error('Overloaded'), { status: undefined, error: { type: 'error', error: { type: 'overloaded_error' } } }))
    expect(error.code).toBe('overloaded')
  })

  it('maps connection failures to network and never repeats a key found in an upstream message', () => {
    expect(toProviderError(label('gemini'), new TypeError('fetch failed')).code).toBe('network')
    expect(toProviderError(label('openai'), Object.assign(new Error('Connection error.'), { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })).code).toBe('network')
    const leaked = toProviderError(label('openai'), Object.assign(new Error(`Incorrect API key provided: ${TEST_KEYS.OPENAI_API_KEY}`), { status: 400 }))
    expect(leaked.message).not.toContain(TEST_KEYS.OPENAI_API_KEY)
  })
})

describe('conversations: each API gets the participant\'s own history in its own shape', () => {
  const history = [
    { role: 'user' as const, content: 'First question' },
    { role: 'assistant' as const, content: 'My first answer' },
    { role: 'user' as const, content: 'Second question' },
  ]
  const run = async (create: (p: ProviderDefinition) => ProviderAdapter, id: ProviderKind) => {
    for await (const _ of adapter(create, id).stream({ model: 'm', messages: history, system: 'Sys', maxTokens: 50 }, { signal: new AbortController().signal })) void _
  }

  it('OpenAI: system first, then user / assistant / user', async () => {
    record('https://api.openai.com/v1/chat/completions', () => sseResponse(fixture('openai-chat-stream.txt')))
    await run(createOpenAIAdapter, 'openai')
    expect(seen[0]!.body.messages).toEqual([{ role: 'system', content: 'Sys' }, ...history])
  })

  it('Anthropic: the same alternation, system apart', async () => {
    record('https://api.anthropic.com/v1/messages', () => sseResponse(fixture('anthropic-messages-stream.txt')))
    await run(createAnthropicAdapter, 'anthropic')
    expect(seen[0]!.body).toMatchObject({ system: 'Sys', messages: history })
  })

  it('Gemini: contents with the roles user and model', async () => {
    record(/generativelanguage\.googleapis\.com\/.*:streamGenerateContent/, () => sseResponse(fixture('gemini-stream-generate-content.txt')))
    await run(createGeminiAdapter, 'gemini')
    expect(seen[0]!.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'First question' }] },
      { role: 'model', parts: [{ text: 'My first answer' }] },
      { role: 'user', parts: [{ text: 'Second question' }] },
    ])
  })
})

describe('an OpenAI-compatible provider (Ollama, OpenRouter…)', () => {
  const env = (extra: Record<string, string> = {}) => ({ ...TEST_KEYS, AI_CHAT_COMPAT_OLLAMA_BASE_URL: 'http://ollama.test:11434/v1', AI_CHAT_COMPAT_OLLAMA_MODELS: 'llama3.2:3b,qwen3', ...extra })
  const compat = (extra?: Record<string, string>) => createOpenAIAdapter(providerOf('ollama', env(extra)))
  const stream = async (a: ProviderAdapter) => {
    const events: StreamEvent[] = []
    for await (const event of a.stream({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'hi' }], maxTokens: 64 }, { signal: new AbortController().signal })) events.push(event)
    return events
  }

  it('streams from its base URL with max_tokens, asks for usage, and sends no key it was not given', async () => {
    record('http://ollama.test:11434/v1/chat/completions', () => sseResponse(fixture('openai-chat-stream.txt')))
    const events = await stream(compat())
    expect(events.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 21, outputTokens: 70 } })
    expect(seen[0]!.body).toMatchObject({ model: 'llama3.2:3b', max_tokens: 64, stream_options: { include_usage: true } })
    expect(seen[0]!.body).not.toHaveProperty('max_completion_tokens')
    expect(seen[0]!.headers.get('authorization')).toBeNull()
    expect(JSON.stringify([...seen[0]!.headers])).not.toContain(TEST_KEYS.OPENAI_API_KEY)
  })

  it('sends its own key, and only its own', async () => {
    record('http://ollama.test:11434/v1/chat/completions', () => sseResponse(fixture('openai-chat-stream.txt')))
    await stream(compat({ AI_CHAT_COMPAT_OLLAMA_API_KEY: 'sk-compat-5ecret-key' }))
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer sk-compat-5ecret-key')
  })

  it('tries once more without stream_options when the server refuses them, and invents no usage', async () => {
    const noUsage = fixture('openai-chat-stream.txt').split('\n\n').filter((frame) => !frame.includes('"usage":{')).join('\n\n') + '\n\n'
    let calls = 0
    record('http://ollama.test:11434/v1/chat/completions', () =>
      calls++ === 0 ? HttpResponse.json({ error: { message: 'Unrecognized request argument supplied: stream_options' } }, { status: 400 }) : sseResponse(noUsage),
    )
    const events = await stream(compat())
    expect(seen).toHaveLength(2)
    expect(seen[1]!.body).not.toHaveProperty('stream_options')
    expect(events.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' })
  })
})
