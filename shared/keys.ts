/**
 * Every blob key of the app, built from a validated chat id.
 *
 * Keys are leaves only: the local blob server stores a key as a file, so no key may also be the
 * "folder" of another (`chats/<id>` next to `chats/<id>/…` makes the second write fail).
 */
import type { ProviderId } from './catalogue.ts'

const CHAT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Chat ids are lowercase v4 UUIDs from `crypto.randomUUID()`; anything else is refused before it reaches a key. */
export function isChatId(value: unknown): value is string {
  return typeof value === 'string' && CHAT_ID.test(value)
}

function assertChatId(chatId: string): void {
  if (!isChatId(chatId)) throw new Error('Blob keys need a valid chat id.')
}

export const CHATS_PREFIX = 'chats/'

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

/** The chat a blob key belongs to, or null for a key outside `chats/`. */
export function chatIdOfKey(key: string): string | null {
  const id = /^chats\/[0-9a-f]\/[0-9a-f]\/([^/]+)\//.exec(key)?.[1]
  return isChatId(id) ? id : null
}

/** The chat blob: what was asked, of whom, with which parameters. Written once, by the POST. */
export function requestKey(chatId: string): string {
  return `${chatPrefix(chatId)}request`
}

/** One provider's result for one attempt. Written only by the run that claimed it. */
export function resultKey(chatId: string, provider: ProviderId, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error('Attempts are counted from 1.')
  return `${chatPrefix(chatId)}results/${provider}.${attempt}`
}

/** A request to run one more attempt of a provider (written once, by the retry endpoint). */
export function retryKey(chatId: string, provider: ProviderId, attempt: number): string {
  return `${chatPrefix(chatId)}retries/${provider}.${attempt}`
}

/** Asks the run of one attempt to stop (written by the cancel endpoint; the run writes its own result). */
export function cancelKey(chatId: string, provider: ProviderId, attempt: number): string {
  return `${chatPrefix(chatId)}cancels/${provider}.${attempt}`
}

/** Prefix of a chat's cancel markers, watched by a running chat. */
export function cancelsPrefix(chatId: string): string {
  return `${chatPrefix(chatId)}cancels/`
}

/**
 * Written once by the status read that re-triggered the run of a provider's attempt after it went
 * silent. A later silence of the same attempt is final (`stalled`); a retry is a new attempt.
 */
export function recoveryKey(chatId: string, provider: ProviderId, attempt: number): string {
  return `${chatPrefix(chatId)}recoveries/${provider}.${attempt}`
}
