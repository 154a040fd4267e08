/**
 * The app's one Netlify Blobs store, behind the few operations it needs.
 *
 * - Strong consistency everywhere: the status must see a provider's latest write (eventual reads
 *   on Netlify can lag up to 60 s).
 * - Conditional writes to one key are serialized inside the process: the local blob server checks
 *   the condition and writes with awaits in between, so concurrent `onlyIfNew` calls could all win.
 * - Every operation is reported to an observer when one is set (`observeStore`): the benchmark
 *   counts real costs that way, and tests assert them.
 */
import { getStore, type Store } from '@netlify/blobs'

export const STORE_NAME = 'ai-gateway-chat'

export interface ListedBlob {
  key: string
  etag: string
}

export interface WriteCondition {
  onlyIfNew?: boolean
  onlyIfMatch?: string
}

export type StoreOperation = 'reads' | 'writes' | 'lists' | 'deletes'
export type StoreObserver = (operation: StoreOperation, key: string) => void

let observer: StoreObserver | undefined

/** Reports every store operation of this process to `next` (undefined stops it). Returns the previous observer. */
export function observeStore(next: StoreObserver | undefined): StoreObserver | undefined {
  const previous = observer
  observer = next
  return previous
}

const count = (operation: StoreOperation, key: string) => observer?.(operation, key)

const keyLocks = new Map<string, Promise<unknown>>()

async function withKeyLock<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = keyLocks.get(key) ?? Promise.resolve()
  const run = previous.then(task, task)
  const settled = run.catch(() => undefined)
  keyLocks.set(key, settled)
  try {
    return await run
  } finally {
    if (keyLocks.get(key) === settled) keyLocks.delete(key)
  }
}

// The local blob server derives ETags from a file's mtime in whole milliseconds: two writes of one
// key in the same millisecond would share an ETag and a change could go unseen. Keep same-key
// writes from this process at least 2 ms apart (free on Netlify, where writes take longer anyway).
// Measured on the monotonic clock (a wall clock can jump), and never more than the 2 ms themselves.
const lastWriteAt = new Map<string, number>()
async function spaceWrites(key: string): Promise<void> {
  const wait = Math.min(2, (lastWriteAt.get(key) ?? -Infinity) + 2 - performance.now())
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  if (lastWriteAt.size > 2000) {
    const cutoff = performance.now() - 1000
    for (const [k, at] of lastWriteAt) if (at < cutoff) lastWriteAt.delete(k)
  }
}

let storesMade = 0

/** Which store the environment's Blobs context points at (what `getStore` reads). */
const environmentScope = () => String((globalThis as { netlifyBlobsContext?: string }).netlifyBlobsContext || process.env.NETLIFY_BLOBS_CONTEXT || '')

export class ChatStore {
  readonly #store: Store
  readonly #spaceWrites: boolean
  /**
   * Equal for two stores of the same Blobs context: what a warm instance may cache across requests
   * (the trigger secret) is kept per scope, so tests running several stores in one process agree.
   */
  readonly scope: string

  /** `spaceWrites: false` for a store whose ETags do not come from file times (an in-memory test store). */
  constructor(store?: Store, options: { spaceWrites?: boolean } = {}) {
    this.#store = store ?? getStore({ name: STORE_NAME, consistency: 'strong' })
    this.scope = store ? `store-${++storesMade}` : environmentScope()
    this.#spaceWrites = options.spaceWrites ?? true
  }

  async getJSON<T>(key: string): Promise<T | null> {
    count('reads', key)
    return ((await this.#store.get(key, { type: 'json' })) as T | null) ?? null
  }

  async getJSONWithEtag<T>(key: string): Promise<{ data: T; etag: string | undefined } | null> {
    count('reads', key)
    const found = await this.#store.getWithMetadata(key, { type: 'json' })
    return found ? { data: found.data as T, etag: found.etag } : null
  }

  /**
   * Writes JSON; with a condition, `modified: false` means another writer got there first, and a
   * successful write always comes back with its ETag (or throws).
   */
  async setJSON(key: string, value: unknown, condition: WriteCondition = {}): Promise<{ modified: boolean; etag?: string }> {
    const conditional = Boolean(condition.onlyIfNew || condition.onlyIfMatch)
    const write = async () => {
      if (this.#spaceWrites) await spaceWrites(key)
      count('writes', key)
      const options = condition.onlyIfNew ? { onlyIfNew: true } : condition.onlyIfMatch ? { onlyIfMatch: condition.onlyIfMatch } : {}
      let result: { modified: boolean; etag?: string }
      try {
        result = await this.#store.setJSON(key, value, options)
      } finally {
        lastWriteAt.set(key, performance.now())
      }
      if (!conditional) return result
      // @netlify/blobs reports every answer but 412 to a conditional write as success, a 500 after
      // its own retries included; a real success carries the new ETag. Without one, look.
      if (result.modified && !result.etag) {
        const mine = await this.#ownedEtag(key, value)
        if (mine) return { modified: true, etag: mine }
        throw new Error(`The conditional write of ${key} was not confirmed by the blob store.`)
      }
      // The client retries a write whose answer was lost; if the first try landed, the retry gets
      // 412. The blob then holds exactly our value (every value a writer conditions carries its own
      // run id or time): that is our write, not someone else's.
      if (!result.modified) {
        const mine = await this.#ownedEtag(key, value)
        if (mine) return { modified: true, etag: mine }
      }
      return result
    }
    return conditional ? withKeyLock(key, write) : write()
  }

  /** The blob's ETag when it holds exactly `value` (the local blob server sends no ETag on reads: then the listing's). */
  async #ownedEtag(key: string, value: unknown): Promise<string | undefined> {
    count('reads', key)
    const found = await this.#store.getWithMetadata(key, { type: 'text' })
    if (found?.data !== JSON.stringify(value)) return undefined
    return found.etag ?? (await this.#listedEtag(key))
  }

  /** A blob's ETag as its listing shows it. */
  async #listedEtag(key: string): Promise<string | undefined> {
    return (await this.list(key)).find((blob) => blob.key === key)?.etag
  }

  /** A blob with its ETag (from the listing when the read carries none, as on the local blob server), or null. */
  async getJSONWithListedEtag<T>(key: string): Promise<{ data: T; etag: string | undefined } | null> {
    const found = await this.getJSONWithEtag<T>(key)
    if (!found || found.etag) return found
    return { data: found.data, etag: await this.#listedEtag(key) }
  }

  /** Every blob under a prefix (all pages). */
  async list(prefix: string): Promise<ListedBlob[]> {
    const blobs: ListedBlob[] = []
    for await (const page of this.listPages(prefix)) blobs.push(...page)
    return blobs
  }

  /** Blobs under a prefix, one page (up to 1,000) at a time. */
  async *listPages(prefix: string): AsyncGenerator<ListedBlob[]> {
    for await (const page of this.#store.list({ prefix, paginate: true })) {
      count('lists', prefix)
      yield page.blobs.map(({ key, etag }) => ({ key, etag }))
    }
  }

  async delete(key: string): Promise<void> {
    count('deletes', key)
    await this.#store.delete(key)
  }
}

/** The app's store, as configured by the Netlify environment (or `setEnvironmentContext` in tests). */
export function openStore(): ChatStore {
  return new ChatStore()
}
