import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { BUILT_IN_PROVIDER_IDS, type BuiltInProviderId } from '../shared/catalogue.ts'
import { cancelKey, chatPrefix, resultKey } from './keys.ts'
import { allAdapters } from './providers/adapters.ts'
import type { StoredResult } from './records.ts'
import { runChat } from './runner.ts'
import { ChatStore } from './store.ts'
import { makeChat } from './testing/chats.ts'
import { createHarness, type Harness } from './testing/harness.ts'
import type { FakeReply } from './testing/wire.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness({ AI_CHAT_PROVIDER_TIMEOUT_MS: '5000' })
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())

const MODELS = { openai: 'gpt-4.1', anthropic: 'claude-haiku-4-5', gemini: 'gemini-2.5-flash' }

async function newChat(models: Partial<Record<BuiltInProviderId, string>> = MODELS, message = 'Say hello.') {
  return makeChat(h.blobs.store, { message, models })
}

const result = (chatId: string, participant: string, attempt = 1, turn = 1) => h.blobs.store.getJSON<StoredResult>(resultKey(chatId, turn, participant, attempt))
const run = (chatId: string) => runChat(chatId, { store: h.blobs.store, adapters: allAdapters })

const PROVIDERS = BUILT_IN_PROVIDER_IDS

/** A short provider timeout for the tests of hangs, still far beyond a one-chunk answer on a busy machine (the others keep 5 s). */
function shortTimeout() {
  beforeAll(() => h.setEnv({ AI_CHAT_PROVIDER_TIMEOUT_MS: '1500' }))
  afterAll(() => h.setEnv({ AI_CHAT_PROVIDER_TIMEOUT_MS: '5000' }))
}

describe('each provider failure ends that provider with the right state and code', () => {
  shortTimeout()
  const faults: Array<[string, FakeReply[], Partial<StoredResult> & { attempts: number; errorCode?: string }]> = [
    ['401', [{ status: 401 }], { status: 'error', ok: false, attempts: 1, errorCode: 'auth' }],
    ['400', [{ status: 400 }], { status: 'error', ok: false, attempts: 1, errorCode: 'bad_request' }],
    ['429 every time', [{ status: 429, retryAfter: '0' }], { status: 'error', ok: false, attempts: 3, errorCode: 'rate_limited' }],
    ['500 then success', [{ status: 500 }, { chunks: ['Recovered.'] }], { status: 'done', ok: true, attempts: 2, text: 'Recovered.' }],
    ['529 every time', [{ status: 529 }], { status: 'error', ok: false, attempts: 3, errorCode: 'overloaded' }],
    ['a hang (no answer at all)', [{ hang: true }], { status: 'error', ok: false, attempts: 1, errorCode: 'timeout' }],
    ['a stream cut mid-way', [{ chunks: ['One ', 'two ', 'three'], cutAfter: 2 }], { status: 'error', ok: false, attempts: 1, errorCode: 'stream_interrupted', text: 'One two ' }],
    ['a stream that stalls after its first words', [{ chunks: ['Half ', 'of it'], hangAfter: 1 }], { status: 'error', ok: false, attempts: 1, errorCode: 'timeout', text: 'Half ' }],
    ['a safety stop', [{ chunks: ['I can'], finish: 'content_filter' }], { status: 'error', ok: false, attempts: 1, errorCode: 'content_filtered', finishReason: 'content_filter', text: 'I can' }],
    ['an answer cut by the token cap', [{ chunks: ['Long answer'], finish: 'length' }], { status: 'done', ok: true, attempts: 1, finishReason: 'length', text: 'Long answer' }],
  ]

  for (const provider of PROVIDERS) {
    it.each(faults)(`${provider}: %s`, async (_name, replies, expected) => {
      h.providers.script(provider, ...replies)
      const chat = await newChat({ [provider]: MODELS[provider] })
      await run(chat.chatId)
      const stored = (await result(chat.chatId, provider))!
      const { errorCode, ...fields } = expected
      expect(stored).toMatchObject(fields)
      expect(h.providers.callsOf(provider)).toHaveLength(expected.attempts)
      if (errorCode) {
        expect(stored.error).toMatchObject({ code: errorCode, message: expect.any(String), retryable: expect.any(Boolean) })
      } else {
        expect(stored.error).toBeUndefined()
        expect(stored.usage).toEqual({ inputTokens: 12, outputTokens: expect.any(Number) })
      }
      expect(stored.timings.finishedAt).toBeDefined()
      expect(JSON.stringify(stored)).not.toMatch(/sk-|AIza|stack|Bearer/)
    })
  }
})

describe('isolation', () => {
  describe('with a short timeout', () => {
    shortTimeout()
    it('a hanging provider times out on its own card and never delays the others', async () => {
    h.providers.script('anthropic', { hang: true })
    const chat = await newChat()
    await run(chat.chatId)
    const [openai, anthropic, gemini] = await Promise.all(PROVIDERS.map((p) => result(chat.chatId, p)))
    expect(openai!.status).toBe('done')
    expect(gemini!.status).toBe('done')
    expect(anthropic!.error?.code).toBe('timeout')
    // The others were final before the hanging one timed out: nothing waited for it.
    expect(Date.parse(openai!.timings.finishedAt!)).toBeLessThan(Date.parse(anthropic!.timings.finishedAt!))
    expect(Date.parse(gemini!.timings.finishedAt!)).toBeLessThan(Date.parse(anthropic!.timings.finishedAt!))
    })
  })

  it('writes the first delta at once and the text so far while streaming', async () => {
    h.providers.script('openai', { chunks: ['First ', 'second ', 'third ', 'fourth'], chunkMs: 300 })
    const chat = await newChat({ openai: 'gpt-4.1' })
    const running = run(chat.chatId)
    let partial: StoredResult | null = null
    for (let i = 0; i < 100 && !partial; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      const seen = await result(chat.chatId, 'openai')
      if (seen?.status === 'streaming') partial = seen
    }
    expect(partial?.text).toBe('First ')
    expect(partial?.timings.firstTokenAt).toBeDefined()
    await running
    expect((await result(chat.chatId, 'openai'))!.text).toBe('First second third fourth')
  })
})

describe('idempotent delivery', () => {
  it('a second delivery after the first finished calls no provider again', async () => {
    const chat = await newChat()
    await run(chat.chatId)
    const summary = await run(chat.chatId)
    expect(summary.outcomes).toEqual({ openai: 'skipped-final', anthropic: 'skipped-final', gemini: 'skipped-final' })
    for (const provider of PROVIDERS) expect(h.providers.callsOf(provider)).toHaveLength(1)
  })

  it('two deliveries at once call each provider exactly once', async () => {
    for (const provider of PROVIDERS) h.providers.script(provider, { chunks: ['a', 'b'], chunkMs: 50 })
    const chat = await newChat()
    const [first, second] = await Promise.all([run(chat.chatId), run(chat.chatId)])
    for (const provider of PROVIDERS) {
      expect(h.providers.callsOf(provider)).toHaveLength(1)
      expect([first.outcomes[provider], second.outcomes[provider]].sort()).toEqual(['done', expect.stringMatching(/^skipped-/)])
      expect((await result(chat.chatId, provider))!.status).toBe('done')
    }
  })

  it('a delivery that throws after one provider finished is redelivered without calling that provider again', async () => {
    const chat = await newChat()
    h.providers.script('anthropic', { chunks: ['slow'], delayMs: 200 })
    // The store fails Gemini's claim once: the run throws (Netlify would deliver it again).
    class FlakyStore extends ChatStore {
      failed = false
      override async setJSON(key: string, value: unknown, condition?: Parameters<ChatStore['setJSON']>[2]) {
        if (!this.failed && key === resultKey(chat.chatId, 1, 'gemini', 1)) {
          this.failed = true
          throw new Error('blob store unavailable')
        }
        return super.setJSON(key, value, condition)
      }
    }
    await expect(runChat(chat.chatId, { store: new FlakyStore(), adapters: allAdapters })).rejects.toThrow('blob store unavailable')
    // The throw came only after the other providers had finished.
    expect((await result(chat.chatId, 'openai'))!.status).toBe('done')
    expect((await result(chat.chatId, 'anthropic'))!.status).toBe('done')
    expect(await result(chat.chatId, 'gemini')).toBeNull()

    const redelivery = await run(chat.chatId)
    expect(redelivery.outcomes).toEqual({ openai: 'skipped-final', anthropic: 'skipped-final', gemini: 'done' })
    for (const provider of PROVIDERS) expect(h.providers.callsOf(provider)).toHaveLength(1)
  })

  it('a redelivery takes over a provider whose run died mid-stream, and leaves a live one alone', async () => {
    const chat = await newChat({ openai: 'gpt-4.1', anthropic: 'claude-haiku-4-5' })
    const longAgo = new Date(Date.now() - 120_000).toISOString()
    const dead = { status: 'streaming', ok: false, text: 'half an ans', provider: 'openai', model: 'gpt-4.1', attempt: 1, timings: { queuedAt: longAgo, startedAt: longAgo }, updatedAt: longAgo, runId: 'dead-run' }
    const live = { ...dead, provider: 'anthropic', model: 'claude-haiku-4-5', updatedAt: new Date().toISOString(), runId: 'live-run' }
    await h.blobs.store.setJSON(resultKey(chat.chatId, 1, 'openai', 1), dead)
    await h.blobs.store.setJSON(resultKey(chat.chatId, 1, 'anthropic', 1), live)
    const summary = await run(chat.chatId)
    expect(summary.outcomes).toEqual({ openai: 'done', anthropic: 'skipped-running' })
    expect((await result(chat.chatId, 'openai'))!).toMatchObject({ status: 'done', text: 'Hello from OpenAI.' })
    expect(h.providers.callsOf('anthropic')).toHaveLength(0)
  })

  it('a failure of the before-run hook (e.g. loading SDKs early) does not fail the run', async () => {
    const chat = await newChat({ openai: 'gpt-4.1' })
    const summary = await runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters, beforeRun: async () => Promise.reject(new Error('Cannot find module')) })
    expect(summary.outcomes).toEqual({ openai: 'done' })
  })

  it('an SDK that this instance cannot load leaves the answer to a fresh instance instead of failing it', async () => {
    const chat = await newChat({ openai: 'gpt-4.1' })
    const missing = Object.assign(new Error("Cannot find module '/var/task/node_modules/openai/index.mjs'"), { code: 'ERR_MODULE_NOT_FOUND' })
    const broken: typeof allAdapters = (provider) => ({ id: provider.id, stream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(missing) }) }) })
    await expect(runChat(chat.chatId, { store: h.blobs.store, adapters: broken })).rejects.toThrow('could not be loaded')
    // No verdict was written: the claim stays queued, and goes silent.
    const stored = (await result(chat.chatId, 'openai'))!
    expect(stored.status).toBe('queued')
    expect(h.providers.calls).toHaveLength(0)
    // A stall period later (as a status read would have it), a fresh run takes it over and answers.
    const old = new Date(Date.now() - 120_000).toISOString()
    await h.blobs.store.setJSON(resultKey(chat.chatId, 1, 'openai', 1), { ...stored, updatedAt: old, timings: { queuedAt: old, startedAt: old } })
    expect((await run(chat.chatId)).outcomes).toEqual({ openai: 'done' })
    expect((await result(chat.chatId, 'openai'))!.text).toBe('Hello from OpenAI.')
  })

  it('does nothing for an unknown chat', async () => {
    const summary = await runChat('00000000-0000-4000-8000-000000000000', { store: h.blobs.store, adapters: allAdapters })
    expect(summary).toEqual({ chatId: '00000000-0000-4000-8000-000000000000', found: false, outcomes: {} })
    expect(h.providers.calls).toHaveLength(0)
  })
})

describe('participants', () => {
  it('two models of one provider and one of another stream at once into three blobs, one call each with its model', async () => {
    // Each OpenAI model finishes only once the other's call has arrived: called one after the
    // other, neither would finish.
    const arrived = { big: Promise.withResolvers<void>(), small: Promise.withResolvers<void>() }
    h.providers.script('openai/gpt-5', () => (arrived.big.resolve(), { chunks: ['Big ', 'model.'], holdUntil: arrived.small.promise }))
    h.providers.script('openai/gpt-5-mini', () => (arrived.small.resolve(), { chunks: ['Small ', 'model.'], holdUntil: arrived.big.promise }))
    const chat = await makeChat(h.blobs.store, { message: 'Hi', participants: [{ provider: 'openai', model: 'gpt-5' }, { provider: 'openai', model: 'gpt-5-mini' }, { provider: 'anthropic' }] })
    expect(chat.participants.map((p) => p.id)).toEqual(['openai', 'openai-2', 'anthropic'])
    const summary = await run(chat.chatId)
    expect(summary.outcomes).toEqual({ openai: 'done', 'openai-2': 'done', anthropic: 'done' })
    expect((await result(chat.chatId, 'openai'))!).toMatchObject({ text: 'Big model.', provider: 'openai', status: 'done' })
    expect((await result(chat.chatId, 'openai-2'))!).toMatchObject({ text: 'Small model.', provider: 'openai', status: 'done' })
    expect(h.providers.callsOf('openai', 'gpt-5')).toHaveLength(1)
    expect(h.providers.callsOf('openai', 'gpt-5-mini')).toHaveLength(1)
    expect(h.providers.callsOf('anthropic')).toHaveLength(1)
  })

  it('cancelling one of two participants of a provider leaves the other streaming to its end', async () => {
    h.providers.script('openai/gpt-5', { chunks: ['Stopped ', 'never'], hangAfter: 1 })
    h.providers.script('openai/gpt-5-mini', { chunks: ['Goes ', 'on ', 'to the end.'], chunkMs: 200 })
    const chat = await makeChat(h.blobs.store, { message: 'Hi', participants: [{ provider: 'openai', model: 'gpt-5' }, { provider: 'openai', model: 'gpt-5-mini' }] })
    const running = run(chat.chatId)
    await vi.waitUntil(async () => (await result(chat.chatId, 'openai'))?.status === 'streaming', { timeout: 5000, interval: 10 })
    await h.blobs.store.setJSON(cancelKey(chat.chatId, 1, 'openai', 1), { at: new Date().toISOString() }, { onlyIfNew: true })
    expect((await running).outcomes).toEqual({ openai: 'cancelled', 'openai-2': 'done' })
    expect((await result(chat.chatId, 'openai-2'))!.text).toBe('Goes on to the end.')
  })
})

describe('cost and size of an answer', () => {
  it('prices an answer by the model asked for (a dated snapshot reported back is priced as its model)', async () => {
    h.providers.script('openai', { chunks: ['Hi.'], model: 'gpt-5-mini-2025-08-07', usage: { inputTokens: 1_000, outputTokens: 2_000 } })
    const chat = await newChat({ openai: 'gpt-5-mini' })
    await run(chat.chatId)
    // gpt-5-mini: $0.25 / $2 per million tokens.
    expect((await result(chat.chatId, 'openai'))!).toMatchObject({ model: 'gpt-5-mini-2025-08-07', cost: { inputUsd: 0.00025, outputUsd: 0.004, totalUsd: 0.00425, pricedAt: expect.any(String) } })
  })

  it('says cost null for a model without a price, and AI_CHAT_PRICES adds one', async () => {
    h.setEnv({ AI_CHAT_MODELS_GEMINI: 'gemini-flash-latest' })
    try {
      const unpriced = await newChat({ gemini: 'gemini-flash-latest' })
      await run(unpriced.chatId)
      expect((await result(unpriced.chatId, 'gemini'))!.cost).toBeNull()
      h.setEnv({ AI_CHAT_PRICES: JSON.stringify({ 'gemini/gemini-flash-latest': { input: 1, output: 10 } }) })
      const priced = await newChat({ gemini: 'gemini-flash-latest' })
      await run(priced.chatId)
      // The default Gemini reply uses 8 input and 4 output tokens; an override has no pricedAt.
      expect((await result(priced.chatId, 'gemini'))!.cost).toEqual({ inputUsd: 0.000008, outputUsd: 0.00004, totalUsd: 0.000048 })
    } finally {
      h.setEnv({ AI_CHAT_MODELS_GEMINI: undefined, AI_CHAT_PRICES: undefined })
    }
  })

  it('stops an answer at AI_CHAT_MAX_ANSWER_CHARS and keeps it as done, marked truncated', async () => {
    h.setEnv({ AI_CHAT_MAX_ANSWER_CHARS: '10' })
    try {
      h.providers.script('openai', { chunks: ['0123456', '789abc', 'never sent'], hangAfter: 2 })
      const chat = await newChat({ openai: 'gpt-4.1' })
      await run(chat.chatId)
      expect((await result(chat.chatId, 'openai'))!).toMatchObject({ status: 'done', ok: true, text: '0123456789', truncated: true, finishReason: 'length' })
      expect(h.providers.callsOf('openai')[0]!.aborted).toBe(true)
      // And at three UTF-8 bytes per allowed character: ten emoji (40 bytes) stop at seven (28).
      h.providers.script('openai', { chunks: ['😀'.repeat(10), 'never sent'], hangAfter: 1 })
      const emoji = await newChat({ openai: 'gpt-4.1' })
      await run(emoji.chatId)
      expect((await result(emoji.chatId, 'openai'))!).toMatchObject({ status: 'done', text: '😀'.repeat(7), truncated: true })
    } finally {
      h.setEnv({ AI_CHAT_MAX_ANSWER_CHARS: undefined })
    }
  })
})
