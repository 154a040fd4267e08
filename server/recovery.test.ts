import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { saveChat } from './chats.ts'
import { cancelKey, recoveryKey, resultKey } from './keys.ts'
import type { ChatRecord } from './records.ts'
import { createReview } from './recovery.ts'
import { readSnapshot } from './status-reader.ts'
import { memoryStore } from './testing/memory-store.ts'

const chatId = '5f0c2a9e-5d1b-4c7a-9e2f-8a6b4c3d2e1f'
const T0 = Date.parse('2026-11-30T00:00:00.000Z')
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()
const participant = (id: string) => ({ id, provider: 'openai', model: 'm', label: 'OpenAI', params: { model: 'm', maxTokens: 10 } })
const chat: ChatRecord = { chatId, createdAt: at(0), expiresAt: at(3600), demo: false, mode: 'background', message: 'x', maxTokens: 10, participants: ['a', 'b', 'c'].map(participant) }

async function review(setup: (store: ReturnType<typeof memoryStore>['store']) => Promise<void>) {
  const { store } = memoryStore()
  await saveChat(store, chat)
  await setup(store)
  const retrigger = vi.fn()
  const reviewer = createReview({ store, config: { stallSeconds: 30 }, retrigger })
  const result = await reviewer(await readSnapshot(store, chatId, { scope: 'latest' }))
  return { ...result, retrigger, store }
}

afterEach(() => vi.useRealTimers())
beforeEach(() => vi.useFakeTimers())

describe('the stall and cancel rules of a status read', () => {
  it('leaves a live run alone and says when silence would change the picture', async () => {
    vi.setSystemTime(T0 + 10_000)
    const { results, reviewAt, retrigger } = await review(async (store) => {
      await store.setJSON(resultKey(chatId, 1, 'a', 1), { status: 'streaming', text: 'x', provider: 'openai', model: 'm', attempt: 1, timings: { queuedAt: at(0) }, updatedAt: at(5), runId: 'r' })
    })
    expect(results.a!.status).toBe('streaming')
    expect(retrigger).not.toHaveBeenCalled()
    // Participants b and c are queued since the chat was made (0 s): they are reviewed first, at 30 s.
    expect(reviewAt).toBe(T0 + 30_001)
  })

  it('re-triggers a silent attempt once (a recovery marker), then shows it stalled a stall period later', async () => {
    vi.setSystemTime(T0 + 31_000)
    const first = await review(async () => {})
    expect(first.retrigger).toHaveBeenCalledOnce()
    expect(await first.store.getJSON(recoveryKey(chatId, 1, 'a', 1))).toEqual({ at: at(31) })
    expect(first.results.a!.status).toBe('queued')

    const { results, retrigger } = await review(async (store) => {
      await store.setJSON(recoveryKey(chatId, 1, 'a', 1), { at: at(31) })
      vi.setSystemTime(T0 + 62_000)
    })
    expect(results.a).toMatchObject({ status: 'error', error: { code: 'stalled', retryable: true }, timings: { finishedAt: at(61) } })
    // b and c had no recovery yet: they get theirs now.
    expect(retrigger).toHaveBeenCalledOnce()
  })

  it('shows a queued participant with a cancel marker as cancelled at once', async () => {
    vi.setSystemTime(T0 + 1_000)
    const { results } = await review(async (store) => {
      await store.setJSON(cancelKey(chatId, 1, 'b', 1), { at: at(1) })
    })
    expect(results.b).toMatchObject({ status: 'cancelled', timings: { finishedAt: at(1) } })
    expect(results.a!.status).toBe('queued')
  })
})
