/**
 * Cancel, retry and pick. Each writes only its own blob (a cancel marker, a retry marker, the turn's
 * pick); the runs write their own results. Cancel and retry act on the latest turn.
 */
import { randomUUID } from 'node:crypto'
import { isFinal, type StatusDocument } from '../shared/types.ts'
import { AppError } from './errors.ts'
import { cancelKey, pickKey, retryKey } from './keys.ts'
import type { ChatRecord, Marker } from './records.ts'
import type { Settings } from './settings.ts'
import type { ChatStore } from './store.ts'

/** Attempts per participant and turn (the first run plus retries). */
export const MAX_ATTEMPTS = 5

const latestTurnOf = (document: StatusDocument) => document.turns!.at(-1)!.turn

function inLatestTurn(document: StatusDocument, participant: string): void {
  if (Object.hasOwn(document.results, participant)) return
  const all = document.participants?.map((p) => p.id) ?? []
  throw new AppError(
    'invalid_request',
    all.includes(participant)
      ? `${participant} did not take the latest turn (${latestTurnOf(document)}); cancel and retry act on the latest turn.`
      : `Unknown participant "${participant.slice(0, 40)}". This chat's participants: ${all.join(', ')}.`,
  )
}

export interface CancelOutcome {
  /** Participants asked to stop (empty when nothing of the latest turn was running). */
  cancelled: string[]
}

/** Leaves a cancel marker for every participant (or the one named) still queued or streaming in the latest turn. */
export async function cancelTurn(store: ChatStore, document: StatusDocument, participant?: string): Promise<CancelOutcome> {
  if (participant !== undefined) inLatestTurn(document, participant)
  const turn = latestTurnOf(document)
  const targets = participant !== undefined ? [participant] : Object.keys(document.results)
  const running = targets.filter((id) => !isFinal(document.results[id]!.status))
  const at = new Date().toISOString()
  await Promise.all(running.map((id) => store.setJSON(cancelKey(document.chatId, turn, id, document.results[id]!.attempt), { at } satisfies Marker, { onlyIfNew: true })))
  return { cancelled: running }
}

/** The participant a retry body names: itself, or the only participant of the latest turn that uses the provider. */
export function retryParticipant(document: StatusDocument, target: { participant: string } | { provider: string }, config: Pick<Settings, 'providers'>): string {
  if ('participant' in target) {
    inLatestTurn(document, target.participant)
    return target.participant
  }
  const { provider } = target
  if (!config.providers.some((p) => p.id === provider)) {
    throw new AppError('unknown_provider', `Unknown provider "${provider.slice(0, 40)}". Known providers: ${config.providers.map((p) => p.id).join(', ')}.`)
  }
  const users = Object.entries(document.results).filter(([, result]) => result.provider === provider).map(([id]) => id)
  if (users.length === 0) throw new AppError('invalid_request', `No participant of the latest turn uses ${provider}.`)
  if (users.length > 1) {
    throw new AppError('invalid_request', `Several participants use ${provider} (${users.join(', ')}): send {"participant": "<id>"} to say which one to retry.`)
  }
  return users[0]!
}

/**
 * Checks that a participant of the latest turn can be retried (its result is `error` or `cancelled`)
 * and returns the attempt a retry would start. Writes nothing.
 */
export function planRetry(document: StatusDocument, participant: string): { turn: number; attempt: number } {
  const result = document.results[participant]!
  if (result.status !== 'error' && result.status !== 'cancelled') {
    throw new AppError('conflict', `${participant} is ${result.status}; only a participant that failed or was cancelled can be retried.`)
  }
  if (result.attempt >= MAX_ATTEMPTS) {
    throw new AppError('conflict', `${participant} has been tried ${MAX_ATTEMPTS} times in this turn; send a new message or start a new chat instead.`)
  }
  return { turn: latestTurnOf(document), attempt: result.attempt + 1 }
}

/** Records the retry (once: a second request for the same attempt is a conflict). */
export async function claimRetry(store: ChatStore, chat: ChatRecord, participant: string, turn: number, attempt: number): Promise<void> {
  // Its own id: two retries asked in the same millisecond must not both take the marker for theirs.
  const written = await store.setJSON(retryKey(chat.chatId, turn, participant, attempt), { at: new Date().toISOString(), id: randomUUID() } satisfies Marker & { id: string }, { onlyIfNew: true })
  if (!written.modified) throw new AppError('conflict', `${participant} is already being retried.`)
}

/** Records (or, with `null`, clears) the user's pick of a turn. The participant must have a `done` answer in it. */
export async function pickAnswer(store: ChatStore, document: StatusDocument, turn: number, participant: string | null): Promise<void> {
  const entry = document.turns!.find((t) => t.turn === turn)
  if (!entry) throw new AppError('not_found', `This chat has no turn ${turn}; its turns are 1 to ${latestTurnOf(document)}.`)
  if (participant !== null) {
    const result = entry.results && Object.hasOwn(entry.results, participant) ? entry.results[participant] : undefined
    if (!result) {
      throw new AppError('invalid_request', `"${participant.slice(0, 40)}" did not answer turn ${turn}. Its participants: ${(entry.participants ?? []).join(', ')}.`)
    }
    if (result.status !== 'done') throw new AppError('invalid_request', `${participant} has no finished answer in turn ${turn} (it is ${result.status}); only a done answer can be picked.`)
  }
  // One blob per turn, replaced by a later pick: the last pick wins.
  await store.setJSON(pickKey(document.chatId, turn), { participant, at: new Date().toISOString() })
}
