// @ts-check
/**
 * Follows one chat as the page does: long-polls `GET /api/ai/chat/<id>?since=<version>&wait=…&turns=latest`
 * and yields every new status document until the latest turn is final. The next request starts when
 * the previous one ended, so there is never more than one in flight. Network errors, 5xx and 429
 * back off (0.5, 1, 2, 4, 4… s); after `giveUpMs` of nothing but failures the last error is thrown.
 */
import { ApiError, backoff, sleep } from './api.js'
import { duration } from './render.js'

/** @import { StatusDocument } from '../../shared/types.ts' */
/** @import { Api } from './api.js' */

/** The number of the chat's latest turn. @param {StatusDocument} doc */
export const latestTurn = (doc) => doc.turns?.at(-1)?.turn ?? 1

/** Every participant of the latest turn is final. @param {StatusDocument} doc */
export const isFinal = (doc) => doc.status === 'completed' || doc.status === 'failed'

/**
 * @typedef {object} WatchOptions
 * @property {number} waitMs
 * @property {number} backoffMs
 * @property {number} giveUpMs
 * @property {number} [fromTurn] Documents of earlier turns are skipped (a follow-up just posted).
 * @property {AbortSignal} [signal]
 * @property {(problem: ApiError | null) => void} [onProblem] Called with the first failure of a
 *   run of failures, and with null when requests succeed again.
 */

/**
 * @param {Api} api
 * @param {string} chatId
 * @param {WatchOptions} options
 * @returns {AsyncGenerator<StatusDocument, void>}
 */
/** A run of failures ends the watch only after this many tries and `giveUpMs`. */
const MIN_TRIES = 4

export async function* watchChat(api, chatId, { waitMs, backoffMs, giveUpMs, fromTurn = 1, signal, onProblem = () => {} }) {
  /** @type {string | undefined} */
  let since
  let failures = 0
  let failingSince = 0
  for (;;) {
    const sentAt = Date.now()
    /** @type {StatusDocument | null} */
    let doc
    try {
      doc = await api.status(chatId, { since, waitMs, signal })
    } catch (error) {
      if (signal?.aborted || !(error instanceof ApiError) || !error.transient) throw error
      failures += 1
      if (failures === 1) failingSince = sentAt
      // At least a few tries, however long each one took (a slow failure is no reason to stop at once).
      if (failures >= MIN_TRIES && Date.now() - failingSince >= giveUpMs) {
        throw new ApiError(error.status, error.code, `${error.message} Gave up after ${duration(giveUpMs)} of failures.`)
      }
      if (failures === 1) onProblem(error)
      await sleep(backoff(failures, backoffMs, error.retryAfter), signal)
      continue
    }
    if (failures) onProblem(null)
    failures = 0
    if (!doc) {
      // A 304 that came back at once means a server that does not hold: wait out the rest.
      const early = waitMs / 2 - (Date.now() - sentAt)
      if (early > 0) await sleep(early, signal)
      continue
    }
    since = doc.version
    if (latestTurn(doc) < fromTurn) continue
    yield doc
    if (isFinal(doc)) return
  }
}
