import { BUILT_IN_PROVIDER_IDS } from '../shared/catalogue.ts'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { requestKey, resultKey } from './keys.ts'
import { makeChat } from './testing/chats.ts'
import { observeStore, type StoreOperation } from './store.ts'
import { createHarness, type Harness } from './testing/harness.ts'

/** The store operations made while `task` runs, by kind. */
async function costOf(task: () => Promise<unknown>): Promise<Record<StoreOperation, number>> {
  const counts: Record<StoreOperation, number> = { reads: 0, writes: 0, lists: 0, deletes: 0 }
  const previous = observeStore((operation) => counts[operation]++)
  try {
    await task()
  } finally {
    observeStore(previous)
  }
  return counts
}

let h: Harness
beforeAll(async () => {
  h = await createHarness({ AI_CHAT_PROVIDER_TIMEOUT_MS: '3000' })
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())


describe('GET /api/ai/chat/<id>', () => {
  it('answers 202 while no provider has answered, then shows every requested provider as queued', async () => {
    // The providers never answer: the 202 cannot have waited for them.
    for (const p of BUILT_IN_PROVIDER_IDS) h.providers.script(p, { hang: true })
    const chatId = await h.startChat({ message: 'Hello' })
    const { body } = await h.api(`/api/ai/chat/${chatId}`)
    expect(body).toMatchObject({ success: true, chatId, status: 'pending', completedAt: null, request: { message: 'Hello', maxTokens: 4096 } })
    expect(Object.keys(body.results)).toEqual([...BUILT_IN_PROVIDER_IDS])
    for (const result of Object.values<any>(body.results)) {
      expect(result).toMatchObject({ status: 'queued', ok: false, text: '', attempt: 1, timings: { queuedAt: body.createdAt } })
    }
    expect(Date.parse(body.expiresAt) - Date.parse(body.createdAt)).toBe(3600_000)
    expect((await h.api(`/api/ai/chat/${chatId}/cancel`, { method: 'POST' })).status).toBe(202)
    await h.waitForFinal(chatId)
  })

  it('shows a provider\'s partial text before it finishes', async () => {
    h.providers.script('anthropic', { chunks: ['Partial ', 'then ', 'more ', 'and ', 'done.'], chunkMs: 250 })
    const chatId = await h.startChat({ message: 'Stream please' })
    const partial = await h.pollUntil(chatId, (doc) => doc.results.anthropic.status === 'streaming')
    expect(partial.status).toBe('processing')
    expect(partial.results.anthropic.text.startsWith('Partial ')).toBe(true)
    expect(partial.results.anthropic.text).not.toBe('Partial then more and done.')
    expect(partial.results.anthropic.timings.firstTokenAt).toBeDefined()
    const final = await h.waitForFinal(chatId)
    expect(final.results.anthropic).toMatchObject({ status: 'done', ok: true, text: 'Partial then more and done.', finishReason: 'stop', model: 'claude-sonnet-4-6', usage: { inputTokens: 12, outputTokens: expect.any(Number) } })
    expect(final.completedAt).toBe([...Object.values<any>(final.results)].map((r) => r.timings.finishedAt).sort().at(-1))
  })

  it('is completed when one provider fails and two succeed; the failed card carries its error', async () => {
    h.providers.script('gemini', { status: 401 })
    const doc = await h.waitForFinal(await h.startChat())
    expect(doc.status).toBe('completed')
    expect(doc.results.openai.status).toBe('done')
    expect(doc.results.anthropic.status).toBe('done')
    expect(doc.results.gemini).toMatchObject({ status: 'error', ok: false, error: { code: 'auth', message: expect.stringContaining('Gemini'), retryable: false } })
  })

  it('is failed when every provider fails', async () => {
    for (const p of BUILT_IN_PROVIDER_IDS) h.providers.script(p, { status: 400 })
    const doc = await h.waitForFinal(await h.startChat())
    expect(doc.status).toBe('failed')
    expect(doc.completedAt).not.toBeNull()
  })

  it('answers the same document at /api/ai/chat/status?id=<id>', async () => {
    const chatId = await h.startChat()
    await h.waitForFinal(chatId)
    const [a, b] = await Promise.all([h.api(`/api/ai/chat/${chatId}`), h.api(`/api/ai/chat/status?id=${chatId}`)])
    expect(b.status).toBe(200)
    expect(b.body).toEqual(a.body)
  })

  it.each([
    ['/api/ai/chat/not-a-uuid', 400, 'invalid_id'],
    ['/api/ai/chat/status', 400, 'invalid_id'],
    ['/api/ai/chat/status?id=..%2F..%2Fconfig', 400, 'invalid_id'],
    [`/api/ai/chat/${'a'.repeat(700)}`, 400, 'invalid_id'],
    ['/api/ai/chat/6F9619FF-8B86-4011-B42D-00C04FC964FF', 400, 'invalid_id'],
    ['/api/ai/chat/00000000-0000-4000-8000-000000000000', 404, 'not_found'],
  ])('GET %s → %i %s', async (path, status, code) => {
    const answer = await h.api(path)
    expect(answer.status).toBe(status)
    expect(answer.body.error.code).toBe(code)
  })

  it('answers 410 expired once the chat is past its expiry, even before cleanup, but never while it runs', async () => {
    // A chat made in the store (no run): its one participant's result is written by the test.
    const chat = await makeChat(h.blobs.store, { message: 'x', models: { openai: 'gpt-4.1' } })
    // A first attempt queued when the chat was made; its run still writes an hour later.
    const write = (status: string) => {
      const now = new Date().toISOString()
      return h.blobs.store.setJSON(resultKey(chat.chatId, 1, 'openai', 1), { status, ok: status === 'done', text: 't', provider: 'openai', model: 'gpt-4.1', attempt: 1, timings: { queuedAt: chat.createdAt, ...(status === 'done' ? { finishedAt: now } : {}) }, updatedAt: now, runId: 'r' })
    }
    // Only the clock moves (timers stay real): an hour and a bit later.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3_700_000 })
    try {
      await write('streaming')
      // Still running (its run writes): it can be read, and cancelled.
      expect((await h.api(`/api/ai/chat/${chat.chatId}`)).status).toBe(200)
      expect((await h.api(`/api/ai/chat/${chat.chatId}/cancel`, { method: 'POST' })).status).toBe(202)
      await write('done')
      const answer = await h.api(`/api/ai/chat/${chat.chatId}`)
      expect(answer.status).toBe(410)
      expect(answer.body.error).toEqual({ code: 'expired', message: expect.stringContaining('expired') })
      expect(await h.blobs.store.getJSON(requestKey(chat.chatId))).not.toBeNull()
      // A retry asked now would have kept it readable for another time to live.
      await h.blobs.store.setJSON(resultKey(chat.chatId, 1, 'openai', 1), { status: 'done', ok: true, text: 't', provider: 'openai', model: 'gpt-4.1', attempt: 1, timings: { queuedAt: new Date(Date.now() - 60_000).toISOString(), finishedAt: new Date().toISOString() }, runId: 'r' })
      expect((await h.api(`/api/ai/chat/${chat.chatId}`)).status).toBe(200)
    } finally {
      vi.useRealTimers()
    }
  })

  it('20 concurrent chats all complete and no answer lands in the wrong chat', async () => {
    for (const p of BUILT_IN_PROVIDER_IDS) {
      h.providers.script(p, (call) => {
        const text = JSON.stringify(call.body).match(/chat number (\d+)/)?.[1]
        return { chunks: [`${p} answers `, `chat ${text}`], chunkMs: 20 }
      })
    }
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => h.startChat({ message: `This is chat number ${i}.` })))
    const docs = await Promise.all(ids.map((id) => h.waitForFinal(id, 20_000)))
    docs.forEach((doc, i) => {
      expect(doc.status).toBe('completed')
      expect(doc.request.message).toBe(`This is chat number ${i}.`)
      for (const p of BUILT_IN_PROVIDER_IDS) expect(doc.results[p].text).toBe(`${p} answers chat ${i}`)
    })
    for (const p of BUILT_IN_PROVIDER_IDS) expect(h.providers.callsOf(p)).toHaveLength(20)
  })
})

describe('waiting for changes (since / wait / ETag)', () => {
  it('answers 304 when the version the caller holds is current', async () => {
    const chatId = await h.startChat()
    await h.waitForFinal(chatId)
    const { body: final, headers } = await h.api(`/api/ai/chat/${chatId}`)
    const etag = headers.get('etag')
    expect(etag).toBe(`"${final.version}"`)
    expect((await h.api(`/api/ai/chat/${chatId}?since=${final.version}`)).status).toBe(304)
    expect((await h.api(`/api/ai/chat/${chatId}`, { headers: { 'if-none-match': etag! } })).status).toBe(304)
  })

  it('a poll of a finished chat that finds nothing new costs one list, and is answered at once even when asked to wait', async () => {
    const chatId = await h.startChat()
    await h.waitForFinal(chatId)
    // This read also warms the instance's caches, as on a warm Netlify instance.
    const { body: final } = await h.api(`/api/ai/chat/${chatId}`)
    expect(await costOf(async () => expect((await h.api(`/api/ai/chat/${chatId}?since=${final.version}`)).status).toBe(304))).toEqual({ lists: 1, reads: 0, writes: 0, deletes: 0 })
    // A held poll of a final chat does not hold: still one list.
    expect(await costOf(async () => expect((await h.api(`/api/ai/chat/${chatId}?since=${final.version}&wait=10000`)).status).toBe(304))).toMatchObject({ lists: 1 })
  })

  it('keeps the version of a finished chat: every later read shows the same one', async () => {
    const chatId = await h.startChat()
    const final = await h.waitForFinal(chatId)
    const versions = new Set<string>()
    for (let i = 0; i < 5; i++) versions.add((await h.api(`/api/ai/chat/${chatId}`)).body.version)
    expect([...versions]).toEqual([final.version])
  })

  it('holds the request until a provider changes state, then answers with the change', async () => {
    h.providers.script('openai', { delayMs: 300, chunks: ['Now.'] })
    const chatId = await h.startChat({ message: 'Wait for it', models: { openai: 'gpt-4.1' } })
    const first = await h.api(`/api/ai/chat/${chatId}`)
    expect(first.body.status).toBe('pending')
    // A server that did not hold would answer 304 at once: nothing had changed yet.
    const next = await h.api(`/api/ai/chat/${chatId}?since=${first.body.version}&wait=10000`)
    expect(next.status).toBe(200)
    expect(next.body.results.openai.status).not.toBe('queued')
    await h.waitForFinal(chatId)
  })

  it('sends grown text when the wait ends', async () => {
    h.providers.script('openai', { chunks: Array.from({ length: 12 }, (_, i) => `w${i} `), chunkMs: 100 })
    const chatId = await h.startChat({ message: 'Slow stream', models: { openai: 'gpt-4.1' } })
    const streaming = await h.pollUntil(chatId, (doc) => doc.results.openai.status === 'streaming')
    const grown = await h.api(`/api/ai/chat/${chatId}?since=${streaming.version}&wait=700`)
    expect(grown.status).toBe(200)
    expect(grown.body.results.openai.text.length).toBeGreaterThan(streaming.results.openai.text.length)
    await h.waitForFinal(chatId)
  })

  it('leaves out the results of earlier turns with ?turns=latest, and refuses another value', async () => {
    const chatId = await h.startChat({ message: 'x', models: { openai: 'gpt-4.1' } })
    await h.waitForFinal(chatId)
    const latest = await h.api(`/api/ai/chat/${chatId}?turns=latest`)
    expect(latest.body.turns[0].results).toEqual(latest.body.results)
    expect((await h.api(`/api/ai/chat/${chatId}?turns=some`)).body.error.code).toBe('invalid_request')
  })

  it('refuses a wait that is not a number of milliseconds up to 10 s', async () => {
    const answer = await h.api('/api/ai/chat/00000000-0000-4000-8000-000000000000?wait=forever')
    expect(answer.status).toBe(400)
    expect(answer.body.error.code).toBe('invalid_request')
  })
})

describe('demo mode', () => {
  it('answers from the simulated providers, through the run function that bundles no SDK, and calls no real provider', async () => {
    h.setEnv({ AI_CHAT_DEMO: '1', AI_CHAT_DEMO_SPEED: '20' })
    try {
      const models = await h.api('/api/ai/models')
      expect(models.body.demo).toBe(true)
      const seen: string[] = []
      const original = h.platform.fetch
      h.platform.fetch = (request) => (seen.push(new URL(request.url).pathname), original(request))
      const doc = await h.waitForFinal(await h.startChat({ message: 'Demo please' }))
      h.platform.fetch = original
      expect(seen).toContain('/.netlify/functions/ai-chat-run-demo-background')
      expect(seen).not.toContain('/.netlify/functions/ai-chat-run-background')
      expect(doc).toMatchObject({ status: 'completed', demo: true })
      for (const result of Object.values<any>(doc.results)) {
        expect(result).toMatchObject({ status: 'done', demo: true, finishReason: 'stop' })
        expect(result.text).toContain('Demo answer')
        expect(result.text).toContain('Demo please')
      }
      expect(h.providers.calls).toHaveLength(0)
    } finally {
      h.setEnv({ AI_CHAT_DEMO: undefined, AI_CHAT_DEMO_SPEED: undefined })
    }
  })

  it('answers ?mode=sync through the sync run that bundles no SDK', async () => {
    h.setEnv({ AI_CHAT_DEMO: '1', AI_CHAT_DEMO_SPEED: '20' })
    try {
      const seen: string[] = []
      const original = h.platform.fetch
      h.platform.fetch = (request) => (seen.push(new URL(request.url).pathname), original(request))
      const answer = await h.api('/api/ai/chat?mode=sync', { json: { message: 'Demo, at once', participants: [{ provider: 'gemini' }] } })
      h.platform.fetch = original
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ status: 'completed', demo: true, results: { gemini: { status: 'done', demo: true } } })
      expect(seen).toContain('/.netlify/functions/ai-chat-run-demo-sync')
      expect(seen).not.toContain('/.netlify/functions/ai-chat-run-sync')
      expect(h.providers.calls).toHaveLength(0)
    } finally {
      h.setEnv({ AI_CHAT_DEMO: undefined, AI_CHAT_DEMO_SPEED: undefined })
    }
  })
})

describe('sync mode (the rollback path)', () => {
  it('POST ?mode=sync answers 200 with the finished status document', async () => {
    const answer = await h.api('/api/ai/chat?mode=sync', { json: { message: 'Sync please' } })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ success: true, status: 'completed', completedAt: expect.any(String) })
    expect(answer.body.results.openai).toMatchObject({ status: 'done', text: 'Hello from OpenAI.' })
  })

  it('AI_CHAT_MODE=sync makes it the default; providers still running at the deadline end as timeout', async () => {
    h.setEnv({ AI_CHAT_MODE: 'sync', AI_CHAT_SYNC_DEADLINE_MS: '700' })
    try {
      h.providers.script('gemini', { hang: true })
      const answer = await h.api('/api/ai/chat', { json: { message: 'Deadline' } })
      expect(answer.status).toBe(200)
      expect(answer.body.status).toBe('completed')
      expect(answer.body.results.gemini).toMatchObject({ status: 'error', error: { code: 'timeout', message: expect.stringContaining('synchronous') } })
      expect(answer.body.results.openai.status).toBe('done')
    } finally {
      h.setEnv({ AI_CHAT_MODE: undefined, AI_CHAT_SYNC_DEADLINE_MS: undefined })
    }
  })
})
