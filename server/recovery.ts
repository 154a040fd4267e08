/**
 * No chat is stuck forever. A status read works out, without writing any result, which participants
 * of the latest turn have gone silent: a run rewrites its result at least every few seconds, so a
 * non-final participant silent for `AI_CHAT_STALL_SECONDS` belongs to a lost trigger or a dead run.
 * The first read that finds an attempt silent re-triggers the chat's run once for it (the claims
 * keep finished participants from being called again); if that attempt is still silent a stall
 * period later, it is shown as `error` / `stalled`, and the runner leaves it so. A participant with a
 * cancel marker whose run has not started streaming (or is dead) is shown as `cancelled`, as its run
 * will write it.
 */
import { isFinal } from '../shared/types.ts'
import { attemptRef, type ChatListing } from './chat-listing.ts'
import { cancelKey, recoveryKey } from './keys.ts'
import { log } from './log.ts'
import type { ChatRecord, Marker } from './records.ts'
import { isStale, lastSign } from './result.ts'
import type { Settings } from './settings.ts'
import { storedResults, type Review, type Reviewer } from './status-reader.ts'
import type { ChatStore } from './store.ts'

export interface RecoveryOptions {
  store: ChatStore
  config: Pick<Settings, 'stallSeconds'>
  /** Starts the chat's background run again (the status function hands it to `waitUntil`). */
  retrigger: (chat: ChatRecord) => void
}

/**
 * When the run of each participant's latest attempt in a turn was re-triggered by a status read, if
 * it was (one read per recovery marker; a chat rarely has any).
 */
export async function readRecoveries(store: ChatStore, chatId: string, listing: ChatListing, turn: number, attempts: Record<string, number>): Promise<Record<string, number>> {
  const recovered: Record<string, number> = {}
  await Promise.all(
    Object.entries(attempts).map(async ([participant, attempt]) => {
      if (!listing.recoveries.has(attemptRef(turn, participant, attempt))) return
      const marker = await store.getJSON<Marker>(recoveryKey(chatId, turn, participant, attempt))
      if (marker) recovered[participant] = Date.parse(marker.at)
    }),
  )
  return recovered
}

/** The results to show for a snapshot after the stall and cancel rules, and when time alone may change them. */
export function createReview({ store, config, retrigger }: RecoveryOptions): Reviewer {
  const stallMs = config.stallSeconds * 1000
  return async (snapshot): Promise<Review> => {
    const { chat, listing } = snapshot
    const turn = snapshot.turn.turn
    const results = storedResults(snapshot)
    const now = Date.now()
    let reviewAt = Infinity
    const marker = (key: string) => store.getJSON<Marker>(key)
    const ids = Object.keys(results)

    const attempts = Object.fromEntries(ids.map((id) => [id, results[id]!.attempt]))
    const recovered = listing.recoveries.size ? await readRecoveries(store, chat.chatId, listing, turn, attempts) : {}
    const silent: string[] = []
    for (const id of ids) {
      const result = results[id]!
      if (isFinal(result.status)) continue
      const stale = isStale(result, config.stallSeconds, now)
      // Asked to stop before any run claimed it (or its run is dead): cancelled now. A claimed run
      // writes its own verdict within a second, which may still be `done`.
      const unclaimed = !snapshot.stored.get(turn)?.has(id)
      if (listing.cancels.has(attemptRef(turn, id, result.attempt)) && (stale || unclaimed)) {
        const cancelled = await marker(cancelKey(chat.chatId, turn, id, result.attempt))
        results[id] = { ...result, status: 'cancelled', timings: { ...result.timings, finishedAt: cancelled?.at ?? result.timings.queuedAt } }
        continue
      }
      if (!stale) {
        reviewAt = Math.min(reviewAt, lastSign(result) + stallMs + 1)
        continue
      }
      const since = recovered[id]
      if (since === undefined) {
        silent.push(id)
        continue
      }
      if (now - since <= stallMs) {
        reviewAt = Math.min(reviewAt, since + stallMs + 1)
        continue
      }
      // Still silent a stall period after its run was re-triggered: nobody is going to finish it.
      results[id] = {
        ...result,
        status: 'error',
        ok: false,
        timings: { ...result.timings, finishedAt: new Date(Math.max(since, lastSign(result)) + stallMs).toISOString() },
        error: { code: 'stalled', message: 'This participant stopped responding and could not be restarted. Retry it.', retryable: true },
      }
    }

    if (silent.length) {
      const at = new Date(now).toISOString()
      const written = await Promise.all(
        silent.map((id) => store.setJSON(recoveryKey(chat.chatId, turn, id, results[id]!.attempt), { at } satisfies Marker, { onlyIfNew: true })),
      )
      if (written.some((write) => write.modified)) {
        log.warn('chat_stalled_retriggered', { chatId: chat.chatId, turn, participants: silent })
        retrigger(chat)
      }
      reviewAt = Math.min(reviewAt, now + stallMs + 1)
    }
    return { results, reviewAt: Number.isFinite(reviewAt) ? reviewAt : null }
  }
}
