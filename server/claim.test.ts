import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { claimResult, type ClaimRequest } from './claim.ts'
import { cancelKey, resultKey, retryKey } from './keys.ts'
import type { ChatRecord, StoredResult } from './records.ts'
import { memoryStore } from './testing/memory-store.ts'

const chatId = '3f0c2a9e-5d1b-4c7a-9e2f-8a6b4c3d2e1f'
const participant = { id: 'openai-2', provider: 'openai', model: 'gpt-5', label: 'OpenAI', params: { model: 'gpt-5', maxTokens: 100 } }
const chat = { chatId, createdAt: new Date(0).toISOString(), demo: false, participants: [participant] } as unknown as ChatRecord

function request(store: ClaimRequest['store'], extra: Partial<ClaimRequest> = {}): ClaimRequest {
  return { store, chat, participant, turn: 1, turnCreatedAt: '2026-11-30T00:00:00.000Z', attempt: 1, listedEtag: undefined, recoveredAt: undefined, stallSeconds: 30, ...extra }
}

beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-11-30T00:00:10.000Z') }))
afterEach(() => vi.useRealTimers())

describe('claiming a result blob', () => {
  it('claims a fresh blob once: a second delivery finds it running', async () => {
    const { store } = memoryStore()
    const first = await claimResult(request(store))
    expect(first).toMatchObject({ claimed: true, cancelled: false, doc: { status: 'queued', provider: 'openai', model: 'gpt-5', attempt: 1, timings: { queuedAt: '2026-11-30T00:00:00.000Z' } } })
    expect(await claimResult(request(store))).toEqual({ claimed: false, reason: 'skipped-running' })
  })

  it('of two racing claims exactly one wins', async () => {
    const { store } = memoryStore()
    const outcomes = await Promise.all([claimResult(request(store)), claimResult(request(store))])
    expect(outcomes.filter((o) => o.claimed)).toHaveLength(1)
  })

  it('leaves a final result alone', async () => {
    const { store } = memoryStore()
    await store.setJSON(resultKey(chatId, 1, 'openai-2', 1), { status: 'done', timings: { queuedAt: '' } })
    expect(await claimResult(request(store))).toEqual({ claimed: false, reason: 'skipped-final' })
  })

  it('takes over a result whose run went silent for a stall period, conditional on its ETag', async () => {
    const { store, blobs } = memoryStore()
    const key = resultKey(chatId, 1, 'openai-2', 1)
    const stale: Partial<StoredResult> = { status: 'streaming', text: 'half', timings: { queuedAt: '2026-11-29T23:00:00.000Z' }, updatedAt: '2026-11-29T23:59:00.000Z', runId: 'dead' }
    await store.setJSON(key, stale)
    const outcome = await claimResult(request(store, { listedEtag: blobs.get(key)!.etag }))
    expect(outcome.claimed).toBe(true)
    expect(((await store.getJSON(key)) as StoredResult).runId).not.toBe('dead')
  })

  it('claims a retried attempt as queued when the retry was asked, and a cancelled one as cancelled without a call', async () => {
    const { store } = memoryStore()
    await store.setJSON(retryKey(chatId, 1, 'openai-2', 2), { at: '2026-11-30T00:00:05.000Z' })
    expect(await claimResult(request(store, { attempt: 2 }))).toMatchObject({ claimed: true, doc: { attempt: 2, timings: { queuedAt: '2026-11-30T00:00:05.000Z' } } })
    await store.setJSON(cancelKey(chatId, 1, 'openai-2', 3), { at: '2026-11-30T00:00:06.000Z' })
    expect(await claimResult(request(store, { attempt: 3 }))).toMatchObject({ claimed: true, cancelled: true, doc: { status: 'cancelled', attempts: 0 } })
  })

  it('does not revive an attempt a status read may already show as stalled', async () => {
    const { store } = memoryStore()
    const recoveredAt = Date.now() - 29_000
    expect(await claimResult(request(store, { recoveredAt }))).toEqual({ claimed: false, reason: 'skipped-stalled' })
    expect(await claimResult(request(store, { recoveredAt: Date.now() - 1_000 }))).toMatchObject({ claimed: true })
  })
})
