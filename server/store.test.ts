import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { observeStore, type StoreOperation } from './store.ts'
import { startBlobs, type TestBlobs } from './testing/blobs.ts'

let blobs: TestBlobs
beforeAll(async () => {
  blobs = await startBlobs()
})
afterAll(() => blobs.stop())

describe('the store wrapper', () => {
  it('serializes conditional writes to one key in the process: of 20 racing onlyIfNew writes exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => blobs.store.setJSON('race/one', { i }, { onlyIfNew: true })))
    expect(results.filter((result) => result.modified)).toHaveLength(1)
  })

  it('reports a conditional write the blob server failed (a 500, not a 412) as an error, never as a claim', async () => {
    // The local blob server answers 500 to a key below an existing key; @netlify/blobs alone would
    // report that conditional write as a success.
    await blobs.store.setJSON('leaf', { x: 1 })
    await expect(blobs.store.setJSON('leaf/below', { x: 1 }, { onlyIfNew: true })).rejects.toThrow()
  })

  it('tells an observer about every operation, by kind and key', async () => {
    const seen: Array<[StoreOperation, string]> = []
    const previous = observeStore((operation, key) => seen.push([operation, key]))
    try {
      await blobs.store.setJSON('observed/a', { a: 1 })
      await blobs.store.getJSON('observed/a')
      await blobs.store.list('observed/')
      await blobs.store.delete('observed/a')
    } finally {
      observeStore(previous)
    }
    expect(seen).toEqual([
      ['writes', 'observed/a'],
      ['reads', 'observed/a'],
      ['lists', 'observed/'],
      ['deletes', 'observed/a'],
    ])
  })
})
