/**
 * Every blob key of the app: one module builds them and parses them back, with the id rules they
 * rest on. Nothing else writes a key by hand.
 *
 * ```
 * chats/<c1>/<c2>/<chatId>/request                               the chat (turn 1), written once by the POST
 * chats/…/<chatId>/results/<n>/<participant>.<attempt>           one answer; written only by the run that claimed it
 * chats/…/<chatId>/meta/turns/<n>                                turn n ≥ 2, written once by POST …/messages
 * chats/…/<chatId>/meta/retries/<n>/<participant>.<attempt>      asks for one more attempt (retry endpoint)
 * chats/…/<chatId>/meta/cancels/<n>/<participant>.<attempt>      asks a run to stop (cancel endpoint)
 * chats/…/<chatId>/meta/recoveries/<n>/<participant>.<attempt>   a status read re-triggered a silent run
 * chats/…/<chatId>/meta/picks/<n>                                the user's pick of turn n (pick endpoint)
 * clients/<client>/slots/<i>                                per-client running-work slots (the cap)
 * clients/<client>/idempotency/<hash>                       a remembered answer to an Idempotency-Key
 * config/trigger-secret                                     the generated HMAC secret
 * ```
 *
 * Keys are leaves only: the local blob server stores a key as a file, so no key may also be the
 * "folder" of another (`chats/<id>` next to `chats/<id>/…` makes the second write fail).
 *
 * Results, rewritten while they stream, are kept apart from everything else of a chat (`meta/`,
 * rarely written): the local blob server's listing ends early when a file is renamed away under it
 * (see chat-listing.ts), and a listing of `meta/` alone never walks into the folders being written.
 */
import { CHAT_ID_PATTERN, PARTICIPANT_ID_PATTERN, PROVIDER_ID_PATTERN } from '../shared/ids.ts'

/** Chat ids are lowercase v4 UUIDs from `crypto.randomUUID()`; anything else is refused before it reaches a key. */
export function isChatId(value: unknown): value is string {
  return typeof value === 'string' && CHAT_ID_PATTERN.test(value)
}

/** `^[a-z0-9][a-z0-9-]{0,31}$`: what a participant id may be (also a key segment). */
export function isParticipantId(value: unknown): value is string {
  return typeof value === 'string' && PARTICIPANT_ID_PATTERN.test(value)
}

/** A provider id: like a participant id, at most 29 characters (so `<provider>-2` still fits). */
export function isProviderIdShape(value: unknown): value is string {
  return typeof value === 'string' && PROVIDER_ID_PATTERN.test(value)
}

function assertChatId(chatId: string): void {
  if (!isChatId(chatId)) throw new Error('Blob keys need a valid chat id.')
}

function assertTurn(turn: number): void {
  if (!Number.isInteger(turn) || turn < 1) throw new Error('Turns are counted from 1.')
}

function assertAttempt(participant: string, attempt: number): void {
  if (!isParticipantId(participant)) throw new Error(`"${participant}" is not a participant id.`)
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error('Attempts are counted from 1.')
}

export const CHATS_PREFIX = 'chats/'
export const CLIENTS_PREFIX = 'clients/'
export const SECRET_KEY = 'config/trigger-secret'

/**
 * Prefix of everything stored for one chat (ends with a slash): `chats/<c1>/<c2>/<id>/`, sharded by
 * the id's first two characters. The local blob server's `list` checks every entry of each folder
 * on the way to the prefix, so without shards every status poll would cost time in proportion to
 * all the chats stored; with them it checks 16 + 16 folders and the chat's few neighbours.
 */
export function chatPrefix(chatId: string): string {
  assertChatId(chatId)
  return `${CHATS_PREFIX}${chatId[0]}/${chatId[1]}/${chatId}/`
}

/** The chat blob: what was asked, of whom, with which parameters. Written once, by the POST. */
export const requestKey = (chatId: string) => `${chatPrefix(chatId)}request`

/** Prefix of a chat's turns, markers and picks: everything but the chat blob and the results. */
export const metaPrefix = (chatId: string) => `${chatPrefix(chatId)}meta/`

/** A later turn's blob (turn 1 is the chat blob). */
export function turnKey(chatId: string, turn: number): string {
  assertTurn(turn)
  if (turn === 1) throw new Error('Turn 1 lives in the chat blob.')
  return `${metaPrefix(chatId)}turns/${turn}`
}

/** The kinds of per-attempt blobs, each in its own folder. */
export type AttemptKind = 'results' | 'retries' | 'cancels' | 'recoveries'

/** A per-attempt blob: a result or one of the markers around it. */
export function attemptKey(kind: AttemptKind, chatId: string, turn: number, participant: string, attempt: number): string {
  assertTurn(turn)
  assertAttempt(participant, attempt)
  return `${kind === 'results' ? chatPrefix(chatId) : metaPrefix(chatId)}${kind}/${turn}/${participant}.${attempt}`
}

export const resultKey = (chatId: string, turn: number, participant: string, attempt: number) => attemptKey('results', chatId, turn, participant, attempt)
export const retryKey = (chatId: string, turn: number, participant: string, attempt: number) => attemptKey('retries', chatId, turn, participant, attempt)
export const cancelKey = (chatId: string, turn: number, participant: string, attempt: number) => attemptKey('cancels', chatId, turn, participant, attempt)
export const recoveryKey = (chatId: string, turn: number, participant: string, attempt: number) => attemptKey('recoveries', chatId, turn, participant, attempt)

/** Prefix of one turn's cancel markers, watched by a running turn. */
export function cancelsPrefix(chatId: string, turn: number): string {
  assertTurn(turn)
  return `${metaPrefix(chatId)}cancels/${turn}/`
}

/** The user's pick of a turn (a later pick replaces it; a delete clears it). */
export function pickKey(chatId: string, turn: number): string {
  assertTurn(turn)
  return `${metaPrefix(chatId)}picks/${turn}`
}

/** Everything stored for one client (an HMAC of its IP; the IP itself is never stored). */
export const clientPrefix = (client: string) => `${CLIENTS_PREFIX}${client}/`
export const slotsPrefix = (client: string) => `${clientPrefix(client)}slots/`
export const slotKey = (client: string, slot: number) => `${slotsPrefix(client)}${slot}`
export const idempotencyKey = (client: string, keyHash: string) => `${clientPrefix(client)}idempotency/${keyHash}`

// ─── Parsing ─────────────────────────────────────────────────────────────────────────────────────

export type ChatKey =
  | { kind: 'request' }
  | { kind: 'turn'; turn: number }
  | { kind: 'pick'; turn: number }
  | { kind: AttemptKind; turn: number; participant: string; attempt: number }

const ATTEMPT_KEY = /^(results|meta\/retries|meta\/cancels|meta\/recoveries)\/(\d{1,4})\/([^/.]+)\.(\d{1,4})$/
const TURN_KEY = /^meta\/(turns|picks)\/(\d{1,4})$/

/**
 * What a key under a chat's prefix is, or null for anything else (the local blob server can list
 * its temporary files). Parses with the same id rules the builders enforce, so any valid participant
 * id round-trips.
 */
export function parseChatKey(chatId: string, key: string): ChatKey | null {
  const prefix = chatPrefix(chatId)
  if (!key.startsWith(prefix)) return null
  const rest = key.slice(prefix.length)
  if (rest === 'request') return { kind: 'request' }
  const turnMatch = TURN_KEY.exec(rest)
  if (turnMatch) {
    const turn = Number(turnMatch[2])
    if (turn < 1) return null
    return turnMatch[1] === 'turns' ? (turn >= 2 ? { kind: 'turn', turn } : null) : { kind: 'pick', turn }
  }
  const match = ATTEMPT_KEY.exec(rest)
  if (!match) return null
  const turn = Number(match[2])
  const participant = match[3]!
  const attempt = Number(match[4])
  if (turn < 1 || attempt < 1 || !isParticipantId(participant)) return null
  return { kind: match[1]!.replace('meta/', '') as AttemptKind, turn, participant, attempt }
}

/** The chat a blob key belongs to, or null for a key outside `chats/`. */
export function chatIdOfKey(key: string): string | null {
  const id = /^chats\/[0-9a-f]\/[0-9a-f]\/([^/]+)\//.exec(key)?.[1]
  return isChatId(id) ? id : null
}

export type ClientKey = { client: string } & ({ kind: 'slot'; slot: number } | { kind: 'idempotency'; hash: string })

/** What a key under `clients/` is, or null. */
export function parseClientKey(key: string): ClientKey | null {
  const match = /^clients\/([A-Za-z0-9_-]{1,64})\/(slots|idempotency)\/([A-Za-z0-9_-]{1,64})$/.exec(key)
  if (!match) return null
  const client = match[1]!
  if (match[2] === 'slots') {
    const slot = Number(match[3])
    return Number.isInteger(slot) && slot >= 0 ? { client, kind: 'slot', slot } : null
  }
  return { client, kind: 'idempotency', hash: match[3]! }
}
