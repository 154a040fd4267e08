/**
 * What one listing of a chat's blobs says: its latest turn, the latest attempt of each participant
 * in each turn, which result blobs exist (with their ETags), and which markers and picks were left.
 * Every reader and the runner work from a listing of the chat's prefix.
 *
 * The local blob server (`npm start`, tests) can answer a listing with blobs missing: it walks the
 * folders, and a file renamed away under it (every write goes through a temporary file) ends the
 * walk early with what it found so far. Blobs are only ever added to a chat while it lives, so two
 * listings merged are a better picture than one; `listChat(…, { passes: 2 })` is used where a
 * missing blob would do harm (the runner, and a reader about to call a chat final).
 */
import { chatPrefix, parseChatKey } from './keys.ts'
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

/** Lists a chat's blobs; with `passes: 2`, twice (one after the other), merged: see the module comment. */
export async function listChat(store: ChatStore, chatId: string, options: { passes?: 1 | 2 } = {}): Promise<ChatListing> {
  const first = await store.list(chatPrefix(chatId))
  if ((options.passes ?? 1) === 1) return readListing(chatId, first)
  const second = await store.list(chatPrefix(chatId))
  // The later listing's ETags are the newer ones; a key only the first one saw is kept.
  const merged = new Map(first.map((blob) => [blob.key, blob]))
  for (const blob of second) merged.set(blob.key, blob)
  return readListing(chatId, [...merged.values()])
}
