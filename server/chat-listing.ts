/**
 * What one listing of a chat's blobs says: its latest turn, the latest attempt of each participant
 * in each turn, which result blobs exist (with their ETags), and which markers and picks were left.
 * Every reader and the runner work from a listing of the chat's prefix.
 *
 * The local blob server (`npm start`, tests) can answer a listing with blobs missing: it walks the
 * folders, and a file renamed away under it (every write goes through a temporary file) ends the
 * walk early with what it found so far, 200 all the same. Results are rewritten all the time while
 * they stream; everything else (turns, markers, picks) lives under `meta/` and is rarely written, so
 * a listing of `meta/` alone is not cut short by a streaming answer. Where a missing turn or marker
 * would do harm (the runner; a reader about to call a chat final, or about to show less than its
 * caller has seen), `meta/` is listed once more and merged in (`withMeta`). A result missing from a
 * listing costs only a direct read (status-reader.ts). On Netlify a listing is complete.
 */
import { chatPrefix, metaPrefix, parseChatKey } from './keys.ts'
import type { ChatStore, ListedBlob } from './store.ts'

export interface ChatListing {
  /** The chat blob was in the listing (a missing one must still be read directly). */
  hasRequest: boolean
  /** The highest turn with a blob (1 when there is no `turns/<n>`). */
  latestTurn: number
  /** ETag per result key. */
  results: Map<string, string>
  /** ETag of each turn's pick blob. */
  picks: Map<number, string>
  /** `<turn>/<participant>.<attempt>` of every cancel marker. */
  cancels: Set<string>
  /** `<turn>/<participant>.<attempt>` of every attempt whose silent run was re-triggered. */
  recoveries: Set<string>
  /** Latest attempt per `<turn>/<participant>`: the highest result or retry marker seen. */
  attempts: Map<string, number>
  /** Every key and ETag, for change detection. */
  blobs: ListedBlob[]
}

export const attemptRef = (turn: number, participant: string, attempt: number) => `${turn}/${participant}.${attempt}`

/** The latest attempt of a participant in a turn: 1 until a retry was asked for. */
export function latestAttempt(listing: ChatListing, turn: number, participant: string): number {
  return listing.attempts.get(`${turn}/${participant}`) ?? 1
}

export function readListing(chatId: string, blobs: readonly ListedBlob[]): ChatListing {
  const listing: ChatListing = {
    hasRequest: false,
    latestTurn: 1,
    results: new Map(),
    picks: new Map(),
    cancels: new Set(),
    recoveries: new Set(),
    attempts: new Map(),
    blobs: [...blobs],
  }
  for (const blob of blobs) {
    const key = parseChatKey(chatId, blob.key)
    if (!key) continue
    switch (key.kind) {
      case 'request':
        listing.hasRequest = true
        break
      case 'turn':
        listing.latestTurn = Math.max(listing.latestTurn, key.turn)
        break
      case 'pick':
        listing.picks.set(key.turn, blob.etag)
        break
      default: {
        const ref = attemptRef(key.turn, key.participant, key.attempt)
        if (key.kind === 'results') listing.results.set(blob.key, blob.etag)
        else if (key.kind === 'cancels') listing.cancels.add(ref)
        else if (key.kind === 'recoveries') listing.recoveries.add(ref)
        if (key.kind === 'results' || key.kind === 'retries') {
          const slot = `${key.turn}/${key.participant}`
          listing.attempts.set(slot, Math.max(listing.attempts.get(slot) ?? 1, key.attempt))
        }
      }
    }
  }
  return listing
}

/** Lists a chat's blobs (one list): see the module comment. */
export async function listChat(store: ChatStore, chatId: string): Promise<ChatListing> {
  return readListing(chatId, await store.list(chatPrefix(chatId)))
}

/** A listing with `meta/` listed once more and merged in: every key either saw, with the later ETag. */
export async function withMeta(store: ChatStore, chatId: string, listing: ChatListing): Promise<ChatListing> {
  const merged = new Map(listing.blobs.map((blob) => [blob.key, blob]))
  for (const blob of await store.list(metaPrefix(chatId))) merged.set(blob.key, blob)
  return readListing(chatId, [...merged.values()])
}
