import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { StoredResult } from './records.ts'
import { ResultWriter, WRITE_INTERVAL_MS } from './result-writer.ts'
import { memoryStore } from './testing/memory-store.ts'

const KEY = 'chats/r/e/result'
const doc = (): StoredResult => ({ status: 'queued', ok: false, text: '', provider: 'openai', model: 'm', attempt: 1, timings: { queuedAt: new Date().toISOString() }, runId: 'run', cost: null })

async function setup(stallSeconds = 30) {
  const { store } = memoryStore()
  const writes: StoredResult[] = []
  const original = store.setJSON.bind(store)
  store.setJSON = async (key, value, condition) => {
    if (key === KEY) writes.push(structuredClone(value as StoredResult))
    return original(key, value, condition)
  }
  const claim = await original(KEY, doc(), { onlyIfNew: true })
  const onLost = vi.fn()
  const writer = new ResultWriter({ store, key: KEY, doc: doc(), etag: claim.etag!, onLost, stallSeconds })
  return { store, writes, writer, onLost, original }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('the result writer', () => {
  it('writes a flush at once and throttles updates to one write per interval with the latest text', async () => {
    const { writer, writes } = await setup()
    await writer.flush({ status: 'streaming', text: 'a' })
    expect(writes.map((w) => w.text)).toEqual(['a'])
    for (const text of ['ab', 'abc', 'abcd']) writer.update({ text })
    await vi.advanceTimersByTimeAsync(WRITE_INTERVAL_MS - 1)
    expect(writes).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(writes.map((w) => w.text)).toEqual(['a', 'abcd'])
    writer.stop()
  })

  it('keeps a heartbeat while nothing else is written, so silence means a dead run', async () => {
    const { writer, writes } = await setup(3)
    // Stall 3 s → a heartbeat write at least every second.
    await vi.advanceTimersByTimeAsync(3_500)
    expect(writes.length).toBeGreaterThanOrEqual(3)
    expect(writes.every((w) => w.updatedAt)).toBe(true)
    writer.stop()
  })

  it('stops for good when someone else wrote the blob (its run was taken over)', async () => {
    const { writer, writes, onLost, original, store } = await setup()
    await original(KEY, { ...doc(), runId: 'other' })
    await writer.flush({ text: 'mine' })
    expect(onLost).toHaveBeenCalledOnce()
    expect(writer.lost).toBe(true)
    await writer.flush({ text: 'again' })
    await vi.advanceTimersByTimeAsync(10_000)
    // One refused attempt, then nothing: not even a heartbeat.
    expect(writes.map((w) => w.text)).toEqual(['mine'])
    expect(((await store.getJSON(KEY)) as StoredResult).runId).toBe('other')
  })

  it('gives up instead of coming back to life after a stall period without a successful write', async () => {
    const { writer, onLost, store } = await setup(3)
    store.setJSON = async () => {
      throw new Error('blob store down')
    }
    writer.update({ text: 'x' })
    await vi.advanceTimersByTimeAsync(3_500)
    expect(onLost).toHaveBeenCalledOnce()
    writer.stop()
  })

  it('retries the final write until it lands', async () => {
    const { writer, store, original } = await setup()
    let failures = 2
    store.setJSON = async (key, value, condition) => {
      if (failures-- > 0) throw new Error('flaky')
      return original(key, value, condition)
    }
    const finished = writer.finish({ status: 'done', ok: true, text: 'final' })
    await vi.advanceTimersByTimeAsync(2_000)
    await finished
    expect(((await store.getJSON(KEY)) as StoredResult).status).toBe('done')
  })
})
