import { afterEach, describe, expect, it, vi } from 'vitest'
import { saveChat } from './chats.ts'
import { resultKey, retryKey } from './keys.ts'
import type { ChatRecord, StoredResult } from './records.ts'
import { readStatus, WAIT_POLL_MS } from './status-reader.ts'
import type { ChatStore } from './store.ts'
import { memoryStore } from './testing/memory-store.ts'

const chatId = '7f0c2a9e-5d1b-4c7a-9e2f-8a6b4c3d2e1f'
const now = () => new Date().toISOString()
const participant = (id: string) => ({ id, provider: 'anthropic', model: 'm', label: 'Anthropic', params: { model: 'm', maxTokens: 10 } })
const chat = (): ChatRecord => ({ chatId, createdAt: now(), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), demo: false, mode: 'background', message: 'x', maxTokens: 10, participants: [participant('anthropic')] })
const result = (status: StoredResult['status'], attempt: number, text = ''): StoredResult => ({
  status,
  ok: status === 'done',
  text,
  provider: 'anthropic',
  model: 'm',
  attempt,
  timings: { queuedAt: now(), ...(status === 'error' || status === 'done' ? { finishedAt: now() } : {}) },
  updatedAt: now(),
  runId: `run-${attempt}`,
  ...(status === 'error' ? { error: { code: 'bad_request' as const, message: 'no', retryable: false } } : {}),
})

/** The local blob server's listing can end early while a blob is rewritten: this store's next `n` listings miss every key matching `hide`. */
function flakyListings(store: ChatStore, hide: RegExp, n: number) {
  let left = n
  const list = store.list.bind(store)
  store.list = async (prefix) => {
    const blobs = await list(prefix)
    return left-- > 0 ? blobs.filter((blob) => !hide.test(blob.key)) : blobs
  }
}

/** A chat whose attempt 1 failed and whose attempt 2 (a retry) is streaming. */
async function retried() {
  const { store } = memoryStore()
  await saveChat(store, chat())
  await store.setJSON(resultKey(chatId, 1, 'anthropic', 1), result('error', 1))
  await store.setJSON(retryKey(chatId, 1, 'anthropic', 2), { at: now() })
  await store.setJSON(resultKey(chatId, 1, 'anthropic', 2), result('streaming', 2, 'Second try'))
  return store
}

afterEach(() => vi.useRealTimers())

describe('reading a status from a listing that misses blobs (the local blob server)', () => {
  it('never calls a chat final from a listing that missed a retry: it looks again first', async () => {
    const store = await retried()
    // The listing misses attempt 2 and its retry marker: attempt 1's error would make the chat "failed".
    flakyListings(store, /(retries\/1\/anthropic\.2|results\/1\/anthropic\.2)$/, 1)
    const answer = await readStatus(store, chatId)
    expect(answer.changed && answer.document).toMatchObject({ status: 'processing', results: { anthropic: { attempt: 2, status: 'streaming', text: 'Second try' } } })
  })

  it('never steps back behind what the caller has seen', async () => {
    const store = await retried()
    const seen = await readStatus(store, chatId)
    if (!seen.changed) throw new Error('expected a document')
    flakyListings(store, /anthropic\.2$/, 1)
    // The caller holds attempt 2: a reading of attempt 1 is not an answer, nor a change.
    expect(await readStatus(store, chatId, { since: seen.document.version })).toEqual({ changed: false, version: seen.document.version })
  })
})

/** A chat whose one participant is streaming, and its first document. */
async function streamingChat() {
  const { store } = memoryStore()
  await saveChat(store, chat())
  await store.setJSON(resultKey(chatId, 1, 'anthropic', 1), result('streaming', 1, 'a'))
  const first = await readStatus(store, chatId)
  if (!first.changed) throw new Error('expected a document')
  return { store, first }
}

describe('holding a status request', () => {
  it('stops at once, without an error, when the caller goes away', async () => {
    vi.useFakeTimers()
    const { store, first } = await streamingChat()
    const controller = new AbortController()
    const held = readStatus(store, chatId, { since: first.document.version, waitMs: 10_000, signal: controller.signal })
    await vi.advanceTimersByTimeAsync(WAIT_POLL_MS * 2)
    controller.abort()
    // No timer moves after the abort: the request ends on the abort alone.
    await expect(held).resolves.toEqual({ changed: false, version: first.document.version })
  })

  it('answers a state change at once and holds grown text until the wait ends', async () => {
    vi.useFakeTimers()
    const { store, first } = await streamingChat()
    let settled = false
    const grown = readStatus(store, chatId, { since: first.document.version, waitMs: 2_000 }).finally(() => (settled = true))
    await store.setJSON(resultKey(chatId, 1, 'anthropic', 1), result('streaming', 1, 'ab'))
    await vi.advanceTimersByTimeAsync(1_500)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(500)
    expect(await grown).toMatchObject({ changed: true, document: { results: { anthropic: { text: 'ab' } } } })

    const second = await grown
    if (!second.changed) throw new Error('expected a document')
    settled = false
    const changed = readStatus(store, chatId, { since: second.document.version, waitMs: 10_000 }).finally(() => (settled = true))
    await store.setJSON(resultKey(chatId, 1, 'anthropic', 1), result('done', 1, 'abc'))
    await vi.advanceTimersByTimeAsync(WAIT_POLL_MS)
    expect(settled).toBe(true)
    expect(await changed).toMatchObject({ changed: true, document: { status: 'completed' } })
  })
})
