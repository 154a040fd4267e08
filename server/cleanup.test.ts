import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { chatPrefix, requestKey } from '../shared/keys.ts'
import { cleanupExpired } from './cleanup.ts'
import { SECRET_KEY } from './trigger.ts'
import { createHarness, type Harness } from './testing/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())

/** A finished chat with results, a retry and a cancel marker, and a per-IP marker. */
async function finishedChat(ttlSeconds?: string) {
  h.setEnv({ AI_CHAT_TTL_SECONDS: ttlSeconds })
  h.providers.script('gemini', { status: 401 }, { chunks: ['ok'] })
  const chatId = await h.startChat()
  h.setEnv({ AI_CHAT_TTL_SECONDS: undefined })
  await h.waitForFinal(chatId)
  await h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'gemini' } })
  await h.waitForFinal(chatId)
  await h.platform.settle()
  return chatId
}

describe('cleanup of expired chats', () => {
  it('the hourly function deletes every blob of expired chats and their per-IP markers, and nothing else', async () => {
    const expired = await finishedChat('1')
    const alive = await finishedChat()
    expect((await h.blobs.keys(`${chatPrefix(expired)}`)).length).toBeGreaterThanOrEqual(6)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await h.api(`/api/ai/chat/${expired}`)).status).toBe(410)

    const aliveBefore = await h.blobs.keys(`${chatPrefix(alive)}`)
    const answer = await h.api('/.netlify/functions/ai-chat-cleanup', { method: 'POST' })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ chatsSeen: 2, chatsDeleted: 1, finished: true })

    expect(await h.blobs.keys(`${chatPrefix(expired)}`)).toEqual([])
    expect(await h.blobs.keys(`${chatPrefix(alive)}`)).toEqual(aliveBefore)
    const markers = await h.blobs.keys('clients/')
    expect(markers.some((key) => key.endsWith(expired))).toBe(false)
    expect(markers.some((key) => key.endsWith(alive))).toBe(true)
    expect(await h.blobs.keys(SECRET_KEY)).toEqual([SECRET_KEY])
    expect((await h.api(`/api/ai/chat/${expired}`)).status).toBe(404)
    expect((await h.api(`/api/ai/chat/${alive}`)).status).toBe(200)
  })

  it('stops when its time budget is spent and the next run continues', async () => {
    const ids = Array.from({ length: 12 }, () => crypto.randomUUID())
    const past = new Date(Date.now() - 60_000).toISOString()
    await Promise.all(ids.map((chatId) => h.blobs.store.setJSON(requestKey(chatId), { chatId, createdAt: past, expiresAt: past, providers: [], params: {} })))

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
