/**
 * An in-memory stand-in for a Netlify Blobs store, for unit tests on fake clocks (a real BlobsServer
 * needs real timers). It implements the few calls the store wrapper (`ChatStore`) makes, with
 * atomic conditional writes and an ETag per write, so the wrapper's own logic stays under test.
 */
import type { Store } from '@netlify/blobs'
import { ChatStore } from '../store.ts'

// ETags are unique across every store of the process, as real ones are (readers cache by ETag).
let version = 0

export function memoryStore(): { store: ChatStore; blobs: Map<string, { text: string; etag: string }> } {
  const blobs = new Map<string, { text: string; etag: string }>()
  const fake = {
    async get(key: string, options?: { type?: string }) {
      const blob = blobs.get(key)
      if (!blob) return null
      return options?.type === 'json' ? JSON.parse(blob.text) : blob.text
    },
    async getWithMetadata(key: string, options?: { type?: string }) {
      const blob = blobs.get(key)
      if (!blob) return null
      return { data: options?.type === 'json' ? JSON.parse(blob.text) : blob.text, etag: blob.etag, metadata: {} }
    },
    async setJSON(key: string, value: unknown, options: { onlyIfNew?: boolean; onlyIfMatch?: string } = {}) {
      const current = blobs.get(key)
      if (options.onlyIfNew && current) return { modified: false }
      if (options.onlyIfMatch && current?.etag !== options.onlyIfMatch) return { modified: false }
      const etag = `"e${++version}"`
      blobs.set(key, { text: JSON.stringify(value), etag })
      return { modified: true, etag }
    },
    list(options: { prefix?: string }) {
      const page = { blobs: [...blobs].filter(([key]) => key.startsWith(options.prefix ?? '')).map(([key, blob]) => ({ key, etag: blob.etag })), directories: [] }
      return (async function* () {
        yield page
      })()
    },
    async delete(key: string) {
      blobs.delete(key)
    },
  }
  return { store: new ChatStore(fake as unknown as Store, { spaceWrites: false }), blobs }
}
