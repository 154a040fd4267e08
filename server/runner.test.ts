import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ProviderId } from '../shared/catalogue.ts'
import { cancelKey, chatPrefix, resultKey } from '../shared/keys.ts'
import { createChat } from './chats.ts'
import { allAdapters } from './providers/index.ts'
import { runChat } from './runner.ts'
import type { StoredResult } from './result.ts'
import { settings } from './settings.ts'
import { ChatStore } from './store.ts'
import { createHarness, type Harness } from './testing/harness.ts'
import type { FakeReply } from './testing/wire.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness({ AI_CHAT_PROVIDER_TIMEOUT_MS: '1500' })
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())

const MODELS = { openai: 'gpt-4.1', anthropic: 'claude-haiku-4-5', gemini: 'gemini-2.5-flash' }

async function newChat(models: Partial<Record<ProviderId, string>> = MODELS, message = 'Say hello.') {
  return createChat(h.blobs.store, { message, models }, settings(), 'background')
}

const result = (chatId: string, provider: ProviderId, attempt = 1) => h.blobs.store.getJSON<StoredResult>(resultKey(chatId, provider, attempt))

const PROVIDERS: ProviderId[] = ['openai', 'anthropic', 'gemini']

describe('each provider failure ends that provider with the right state and code', () => {
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
      await runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })
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
  it('a hanging provider times out on its own card and never delays the others', async () => {
    h.providers.script('anthropic', { hang: true })
    const chat = await newChat()
    const started = Date.now()
    await runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })
    const [openai, anthropic, gemini] = await Promise.all(PROVIDERS.map((p) => result(chat.chatId, p)))
    expect(openai!.status).toBe('done')
    expect(gemini!.status).toBe('done')
    expect(anthropic!.error?.code).toBe('timeout')
    // The others were written long before the 1.5 s timeout.
    expect(Date.parse(openai!.timings.finishedAt!) - started).toBeLessThan(1000)
    expect(Date.parse(gemini!.timings.finishedAt!) - started).toBeLessThan(1000)
  })

  it('writes the first delta at once and the text so far while streaming', async () => {
    h.providers.script('openai', { chunks: ['First ', 'second ', 'third ', 'fourth'], chunkMs: 300 })
    const chat = await newChat({ openai: 'gpt-4.1' })
    const run = runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })
    let partial: StoredResult | null = null
    for (let i = 0; i < 100 && !partial; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      const seen = await result(chat.chatId, 'openai')
      if (seen?.status === 'streaming') partial = seen
    }
    expect(partial?.text).toBe('First ')
    expect(partial?.timings.firstTokenAt).toBeDefined()
    await run
    expect((await result(chat.chatId, 'openai'))!.text).toBe('First second third fourth')
  })
})

describe('idempotent delivery', () => {
  it('a second delivery after the first finished calls no provider again', async () => {
    const chat = await newChat()
    await runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })
    const summary = await runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })
    expect(summary.outcomes).toEqual({ openai: 'skipped-final', anthropic: 'skipped-final', gemini: 'skipped-final' })
    for (const provider of PROVIDERS) expect(h.providers.callsOf(provider)).toHaveLength(1)
  })

  it('two deliveries at once call each provider exactly once', async () => {
    for (const provider of PROVIDERS) h.providers.script(provider, { chunks: ['a', 'b'], chunkMs: 50 })
    const chat = await newChat()
    const [first, second] = await Promise.all([runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters }), runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })])
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
        if (!this.failed && key === resultKey(chat.chatId, 'gemini', 1)) {
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

    const redelivery = await runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })
    expect(redelivery.outcomes).toEqual({ openai: 'skipped-final', anthropic: 'skipped-final', gemini: 'done' })
    for (const provider of PROVIDERS) expect(h.providers.callsOf(provider)).toHaveLength(1)
  })

  it('a redelivery takes over a provider whose run died mid-stream, and leaves a live one alone', async () => {
    const chat = await newChat({ openai: 'gpt-4.1', anthropic: 'claude-haiku-4-5' })
    const longAgo = new Date(Date.now() - 120_000).toISOString()
    const dead = { status: 'streaming', ok: false, text: 'half an ans', model: 'gpt-4.1', attempt: 1, timings: { queuedAt: longAgo, startedAt: longAgo }, updatedAt: longAgo, runId: 'dead-run' }
    const live = { ...dead, model: 'claude-haiku-4-5', updatedAt: new Date().toISOString(), runId: 'live-run' }
    await h.blobs.store.setJSON(resultKey(chat.chatId, 'openai', 1), dead)
    await h.blobs.store.setJSON(resultKey(chat.chatId, 'anthropic', 1), live)
    const summary = await runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })
    expect(summary.outcomes).toEqual({ openai: 'done', anthropic: 'skipped-running' })
    expect((await result(chat.chatId, 'openai'))!).toMatchObject({ status: 'done', text: 'Hello from OpenAI.' })
    expect(h.providers.callsOf('anthropic')).toHaveLength(0)
  })

  it('a conditional write the blob store fails (not a 412) is not taken for a claim', async () => {
    const chat = await newChat({ openai: 'gpt-4.1' })
    // The local blob server answers 500 to a key below an existing key; @netlify/blobs would report
    // that conditional write as a success.
    const key = `${chatPrefix(chat.chatId)}request/below`
    await expect(h.blobs.store.setJSON(key, { x: 1 }, { onlyIfNew: true })).rejects.toThrow()
  })

  it('a failure of the before-run hook (e.g. loading SDKs early) does not fail the run', async () => {
    const chat = await newChat({ openai: 'gpt-4.1' })
    const summary = await runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters, beforeRun: async () => Promise.reject(new Error('Cannot find module')) })
    expect(summary.outcomes).toEqual({ openai: 'done' })
  })

  it('does nothing for an unknown chat', async () => {
    const summary = await runChat('00000000-0000-4000-8000-000000000000', { store: h.blobs.store, adapters: allAdapters })
    expect(summary).toEqual({ chatId: '00000000-0000-4000-8000-000000000000', found: false, outcomes: {} })
    expect(h.providers.calls).toHaveLength(0)
  })
})

describe('cancel', () => {
  it('stops a streaming provider within about a second and keeps its text', async () => {
    h.providers.script('openai', { chunks: ['Kept ', 'text'], hangAfter: 1 })
    const chat = await newChat({ openai: 'gpt-4.1' })
    const run = runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })
    for (let i = 0; i < 100; i++) {
      if ((await result(chat.chatId, 'openai'))?.status === 'streaming') break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const cancelledAt = Date.now()
    await h.blobs.store.setJSON(cancelKey(chat.chatId, 'openai', 1), { at: new Date().toISOString() }, { onlyIfNew: true })
    await run
    const stored = (await result(chat.chatId, 'openai'))!
    expect(stored).toMatchObject({ status: 'cancelled', ok: false, text: 'Kept ' })
    expect(Date.parse(stored.timings.finishedAt!) - cancelledAt).toBeLessThan(1200)
  })

  it('a provider cancelled before it started is never called', async () => {
    const chat = await newChat({ gemini: 'gemini-2.5-flash' })
    await h.blobs.store.setJSON(cancelKey(chat.chatId, 'gemini', 1), { at: new Date().toISOString() }, { onlyIfNew: true })
    await runChat(chat.chatId, { store: h.blobs.store, adapters: allAdapters })
    expect((await result(chat.chatId, 'gemini'))!.status).toBe('cancelled')
    expect(h.providers.callsOf('gemini')).toHaveLength(0)
  })
})
