/**
 * Claiming a result blob: the one write that makes a run the owner of a participant's attempt.
 *
 * A fresh blob is claimed with `onlyIfNew`; a blob whose run went silent for a stall period is taken
 * over with `onlyIfMatch` on its ETag. A second delivery of the same trigger finds the claim and
 * leaves the participant alone, so no provider is called twice for one attempt.
 */
import { randomUUID } from 'node:crypto'
import { isFinal } from '../shared/types.ts'
import { cancelKey, resultKey, retryKey } from './keys.ts'
import type { ChatRecord, Marker, ParticipantRecord, StoredResult } from './records.ts'
import { isStale } from './result.ts'
import type { ChatStore } from './store.ts'

export type ClaimOutcome =
  | { claimed: true; doc: StoredResult; etag: string; cancelled: boolean }
  | { claimed: false; reason: 'skipped-final' | 'skipped-running' | 'skipped-claimed' | 'skipped-stalled' }

export interface ClaimRequest {
  store: ChatStore
  chat: ChatRecord
  participant: ParticipantRecord
  turn: number
  /** When the turn was created (what a first attempt was queued at). */
  turnCreatedAt: string
  attempt: number
  /** The ETag the listing showed for the result blob, if any (the local blob server sends none on reads). */
  listedEtag: string | undefined
  /** When a status read re-triggered this attempt's run, if it did (see recovery.ts). */
  recoveredAt: number | undefined
  stallSeconds: number
}

export async function claimResult(request: ClaimRequest): Promise<ClaimOutcome> {
  const { store, chat, participant, turn, attempt, stallSeconds } = request
  const key = resultKey(chat.chatId, turn, participant.id, attempt)
  const existing = await store.getJSONWithEtag<StoredResult>(key)
  if (existing && isFinal(existing.data.status)) return { claimed: false, reason: 'skipped-final' }
  if (existing && !isStale(existing.data, stallSeconds)) return { claimed: false, reason: 'skipped-running' }
  // A retried attempt was queued when the retry was asked for; a cancelled one is claimed as cancelled.
  const [retried, cancelled] = await Promise.all([
    attempt > 1 ? store.getJSON<Marker>(retryKey(chat.chatId, turn, participant.id, attempt)) : null,
    store.getJSON<Marker>(cancelKey(chat.chatId, turn, participant.id, attempt)).catch(() => null),
  ])
  const startedAt = new Date().toISOString()
  const doc: StoredResult = {
    status: 'queued',
    ok: false,
    text: '',
    provider: participant.provider,
    model: participant.model,
    attempt,
    timings: { queuedAt: retried?.at ?? request.turnCreatedAt, startedAt },
    attempts: 1,
    cost: null,
    updatedAt: startedAt,
    runId: randomUUID(),
    ...(chat.demo ? { demo: true } : {}),
  }
  if (cancelled) Object.assign(doc, { status: 'cancelled', attempts: 0, timings: { ...doc.timings, finishedAt: startedAt } })
  const etag = existing ? (existing.etag ?? request.listedEtag) : undefined
  if (existing && !etag) return { claimed: false, reason: 'skipped-claimed' }
  // Once the status may show this attempt as stalled (a stall period after its re-trigger, less a
  // margin for the time this claim takes), it stays so: checked right before the claim.
  const stallMs = stallSeconds * 1000
  if (request.recoveredAt !== undefined && Date.now() - request.recoveredAt > stallMs - Math.min(5_000, stallMs / 3)) {
    return { claimed: false, reason: 'skipped-stalled' }
  }
  const claim = await store.setJSON(key, doc, etag ? { onlyIfMatch: etag } : { onlyIfNew: true })
  if (!claim.modified) return { claimed: false, reason: 'skipped-claimed' }
  return { claimed: true, doc, etag: claim.etag!, cancelled: !!cancelled }
}
