import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { cleanupExpired } from './cleanup.ts'
import { chatPrefix, requestKey, SECRET_KEY } from './keys.ts'
import { createHarness, type Harness } from './testing/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())

const CLEANUP = '/.netlify/functions/ai-chat-cleanup'

/** A finished chat of two turns, with results, a retry marker, a pick, a client slot and an idempotency record. */
async function finishedChat(ttlSeconds?: string) {
  h.setEnv({ AI_CHAT_TTL_SECONDS: ttlSeconds })
  try {
    h.providers.script('gemini', { status: 401 }, { chunks: ['ok'] })
    const posted = await h.api('/api/ai/chat', { json: { message: 'Hi', models: { openai: 'gpt-4.1', gemini: 'gemini-2.5-flash' } }, headers: { 'idempotency-key': crypto.randomUUID() } })
    const chatId = posted.body.chatId as string
    await h.waitForFinal(chatId)
    await h.api(`/api/ai/chat/${chatId}/retry`, { json: { participant: 'gemini' } })
    await h.waitForFinal(chatId)
    await h.api(`/api/ai/chat/${chatId}/turns/1/pick`, { json: { participant: 'openai' } })
    await h.api(`/api/ai/chat/${chatId}/messages`, { json: { message: 'More' } })
    await h.waitForFinal(chatId)
    await h.platform.settle()
    return chatId
  } finally {
    h.setEnv({ AI_CHAT_TTL_SECONDS: undefined })
  }
}

describe('cleanup of expired chats', () => {
  it('deletes every blob of expired chats and of what points at them, and nothing else', async () => {
    const expired = await finishedChat('5')
    const alive = await finishedChat()
    expect((await h.blobs.keys(chatPrefix(expired))).length).toBeGreaterThanOrEqual(8)
    const aliveBefore = await h.blobs.keys(chatPrefix(alive))
    const clientsBefore = await h.blobs.keys('clients/')

    // Only the clock moves on (timers stay real), past the first chat's expiry.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 6_000 })
    try {
      expect((await h.api(`/api/ai/chat/${expired}`)).status).toBe(410)
      // As under `npm start` without a token: the function answers with its report.
      h.setEnv({ NETLIFY_LOCAL: 'true' })
      const answer = await h.api(CLEANUP, { method: 'POST' }).finally(() => h.setEnv({ NETLIFY_LOCAL: undefined }))
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ chatsSeen: 2, chatsDeleted: 1, finished: true })
    } finally {
      vi.useRealTimers()
    }

    expect(await h.blobs.keys(chatPrefix(expired))).toEqual([])
    expect(await h.blobs.keys(chatPrefix(alive))).toEqual(aliveBefore)
    // The expired chat's idempotency record went with it; the slot it held and the live chat's stay.
    const clientsAfter = await h.blobs.keys('clients/')
    expect(clientsAfter.filter((key) => key.includes('/idempotency/'))).toHaveLength(clientsBefore.filter((key) => key.includes('/idempotency/')).length - 1)
    expect(await h.blobs.keys(SECRET_KEY)).toEqual([SECRET_KEY])
    expect((await h.api(`/api/ai/chat/${expired}`)).status).toBe(404)
    expect((await h.api(`/api/ai/chat/${alive}`)).status).toBe(200)
  })

  it('stops when its time budget is spent and the next run continues', async () => {
    const ids = Array.from({ length: 12 }, () => crypto.randomUUID())
    const past = new Date(Date.now() - 60_000).toISOString()
    await Promise.all(ids.map((chatId) => h.blobs.store.setJSON(requestKey(chatId), { chatId, createdAt: past, expiresAt: past, message: 'x', participants: [] })))

    // A clock that runs out after the first few batches.
    let ticks = 0
    const first = await cleanupExpired(h.blobs.store, { concurrency: 4, budgetMs: 2, clock: () => ticks++ })
    expect(first.finished).toBe(false)
    expect(first.chatsDeleted).toBeGreaterThan(0)
    // Some of the expired chats are gone, the rest wait for the next run.
    const left = (await h.blobs.keys('chats/')).filter((key) => ids.some((id) => key.includes(id)))
    expect(left.length).toBeGreaterThan(0)
    expect(left.length).toBeLessThan(12)

    const second = await cleanupExpired(h.blobs.store)
    expect(second.finished).toBe(true)
    expect((await h.blobs.keys('chats/')).filter((key) => ids.some((id) => key.includes(id)))).toEqual([])
  })
})

describe('who may run the cleanup', () => {
  afterAll(() => h.setEnv({ AI_CHAT_ACCESS_TOKEN: undefined, NETLIFY_LOCAL: undefined }))

  it('on Netlify: only the platform\'s schedule, or a caller with the access token; anyone else gets an empty 404', async () => {
    h.setEnv({ NETLIFY_LOCAL: undefined, AI_CHAT_ACCESS_TOKEN: undefined })
    const stranger = await h.api(CLEANUP, { method: 'POST' })
    expect([stranger.status, stranger.body]).toEqual([404, null])
    const scheduled = await h.api(CLEANUP, { method: 'POST', headers: { 'x-nf-event': 'schedule' } })
    expect([scheduled.status, scheduled.body]).toEqual([204, null])
    h.setEnv({ AI_CHAT_ACCESS_TOKEN: 'cleanup-token-1234' })
    expect((await h.api(CLEANUP, { method: 'POST' })).status).toBe(404)
    const owner = await h.api(CLEANUP, { method: 'POST', headers: { authorization: 'Bearer cleanup-token-1234' } })
    expect(owner.status).toBe(200)
    expect(owner.body).toMatchObject({ finished: true })
  })

  it('under npm start (where every call looks scheduled): open without a token, and only with it when one is set, revealing nothing otherwise', async () => {
    h.setEnv({ NETLIFY_LOCAL: 'true', AI_CHAT_ACCESS_TOKEN: undefined })
    expect((await h.api(CLEANUP, { method: 'POST', headers: { 'x-nf-event': 'schedule' } })).body).toMatchObject({ chatsSeen: expect.any(Number) })
    h.setEnv({ AI_CHAT_ACCESS_TOKEN: 'cleanup-token-1234' })
    const refused = await h.api(CLEANUP, { method: 'POST', headers: { 'x-nf-event': 'schedule' } })
    expect(refused.status).toBe(401)
    expect(JSON.stringify(refused.body)).not.toMatch(/chatsSeen|chatsDeleted/)
    expect((await h.api(CLEANUP, { method: 'POST', headers: { authorization: 'Bearer cleanup-token-1234' } })).status).toBe(200)
  })
})

describe('chats of an earlier version of the app', () => {
  it('are not shown (404 with a reason), are removed once expired, and never stop the cleanup of others', async () => {
    const legacy = crypto.randomUUID()
    const past = new Date(Date.now() - 60_000).toISOString()
    // The single-turn layout: providers and params instead of participants.
    await h.blobs.store.setJSON(requestKey(legacy), { chatId: legacy, createdAt: past, expiresAt: past, message: 'old', providers: ['openai'], params: {} })
    await h.blobs.store.setJSON(`${chatPrefix(legacy)}results/openai.1`, { status: 'done' })
    const answer = await h.api(`/api/ai/chat/${legacy}`)
    expect([answer.status, answer.body.error.message]).toEqual([404, 'This chat was made by an earlier version of this app and can no longer be shown.'])
    const report = await cleanupExpired(h.blobs.store)
    expect(report.finished).toBe(true)
    expect(await h.blobs.keys(chatPrefix(legacy))).toEqual([])
  })
})
