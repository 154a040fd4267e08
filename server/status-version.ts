/**
 * The status document's version: `<state>-<hash>[-<reviewAt>]`.
 *
 * - `state` names the latest turn and each of its participants' attempt and status
 *   (`t2.1d1s2q`): a change there is a state change, answered at once to a held poll.
 * - `hash` covers what the document shows (texts, usage, picks, earlier turns), so the version
 *   changes exactly when the document does, never because a blob was merely rewritten.
 * - `reviewAt` (base 36, epoch ms) is when time alone may change the document (a silent run is
 *   about to be shown as stalled); a held poll ends then.
 */
import { fnv1a } from '../shared/hash.ts'
import type { ResultStatus } from '../shared/types.ts'

export interface Version {
  turn: number
  /** Attempt and status letter per participant of the latest turn, in order. */
  participants: Array<{ attempt: number; status: ResultStatus }>
  hash: string
  reviewAt: number | null
}

const LETTER: Record<ResultStatus, string> = { queued: 'q', streaming: 's', done: 'd', error: 'e', cancelled: 'c' }
const STATUS_OF_LETTER = Object.fromEntries(Object.entries(LETTER).map(([status, letter]) => [letter, status])) as Record<string, ResultStatus>

export const stateOf = (version: Pick<Version, 'turn' | 'participants'>) =>
  `t${version.turn}.${version.participants.map((p) => `${p.attempt}${LETTER[p.status]}`).join('')}`

export function encodeVersion(version: Version): string {
  return `${stateOf(version)}-${version.hash}${version.reviewAt ? `-${version.reviewAt.toString(36)}` : ''}`
}

/** A version a client sent back, or null when it is not one of ours (then it is simply not current). */
export function decodeVersion(text: string): Version | null {
  const match = /^t(\d{1,4})\.((?:\d{1,4}[qsdec])*)-([0-9a-z]{1,13})(?:-([0-9a-z]{1,12}))?$/.exec(text)
  if (!match) return null
  const participants = [...match[2]!.matchAll(/(\d{1,4})([qsdec])/g)].map((m) => ({ attempt: Number(m[1]), status: STATUS_OF_LETTER[m[2]!]! }))
  const reviewAt = match[4] ? parseInt(match[4], 36) : null
  return { turn: Number(match[1]), participants, hash: match[3]!, reviewAt: Number.isFinite(reviewAt) ? reviewAt : null }
}

/** A short hash of any JSON-able value. */
export function contentHash(value: unknown): string {
  const text = JSON.stringify(value)
  return (fnv1a(text).toString(36) + fnv1a(text, 0x01000193).toString(36)).slice(0, 13)
}

const RANK: Record<ResultStatus, number> = { queued: 0, streaming: 1, done: 2, error: 2, cancelled: 2 }

/**
 * True when `current` shows less than `seen` did: an earlier turn, an older attempt, or a status that
 * went backwards. Results only move forward, so that means the listing behind `current` missed blobs.
 */
export function isBehind(current: Pick<Version, 'turn' | 'participants'>, seen: Pick<Version, 'turn' | 'participants'>): boolean {
  if (current.turn !== seen.turn) return current.turn < seen.turn
  if (current.participants.length !== seen.participants.length) return false
  return current.participants.some((now, i) => {
    const before = seen.participants[i]!
    return now.attempt < before.attempt || (now.attempt === before.attempt && RANK[now.status] < RANK[before.status])
  })
}
