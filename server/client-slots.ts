/**
 * Work running at once per client (`AI_CHAT_MAX_ACTIVE_PER_IP`, default 3): an app-level cap, because
 * Netlify's `config.rateLimit` is not enforced locally and counts requests, not running work.
 *
 * Each client has that many slot blobs (`clients/<client>/slots/<i>`, the client being an HMAC of its
 * IP; the IP itself is never stored). A new chat, a follow-up turn or a retry must claim one before
 * anything else is written: an empty slot with `onlyIfNew`, or one whose work has ended (final,
 * cancelled, silent, gone) with `onlyIfMatch` on its ETag. Two requests can never claim one slot, so
 * N requests at the same instant get at most the cap, wherever conditional writes are atomic: on
 * Netlify Blobs, and in-process (the store serializes conditional writes per key). The local blob
 * server checks and writes with awaits in between, so under `npm start` it is approximate.
 */
import { createHmac } from 'node:crypto'
import type { Context } from '@netlify/functions'
import { isFinal } from '../shared/types.ts'
import { attemptRef, listChat } from './chat-listing.ts'
import { AppError, isAppError } from './errors.ts'
import { requestKey, slotKey, slotsPrefix } from './keys.ts'
import type { ChatRecord } from './records.ts'
import { isStale } from './result.ts'
import type { Settings } from './settings.ts'
import { readSnapshot, storedResults } from './status-reader.ts'
import type { ChatStore } from './store.ts'

/** What a slot holds: the work that claimed it. */
export interface SlotHolder {
  chatId: string
  turn: number
  at: string
}

/** Seconds a refused client is told to wait. */
export const RETRY_AFTER_SECONDS = 10

/** The caller's IP as Netlify reports it (locally `context.ip` comes from X-Forwarded-For: any caller can choose it). */
export function clientIp(req: Request, context: Pick<Context, 'ip'>): string {
  return context.ip || req.headers.get('x-nf-client-connection-ip') || 'local'
}

/** The client's id in blob keys: an HMAC of its IP under the server secret. */
export function clientId(secret: string, ip: string): string {
  return createHmac('sha256', secret).update(`ip:${ip}`).digest('base64url').slice(0, 32)
}

/** True while the turn a slot was claimed for still runs: a participant neither final, nor silent, nor asked to stop. */
export async function isBusy(store: ChatStore, holder: SlotHolder, config: Pick<Settings, 'stallSeconds'>, now = Date.now()): Promise<boolean> {
  const chat = await store.getJSON<ChatRecord>(requestKey(holder.chatId))
  // A slot is claimed before its chat is written: a missing chat is just starting, for a while.
  if (!chat) return now - Date.parse(holder.at) < config.stallSeconds * 1000
  const listing = await listChat(store, holder.chatId)
  if (listing.latestTurn > holder.turn) return false
  try {
    const snapshot = await readSnapshot(store, holder.chatId, { scope: 'latest', listing, chat })
    if (snapshot.turn.turn !== holder.turn) return now - Date.parse(holder.at) < config.stallSeconds * 1000
    return Object.entries(storedResults(snapshot)).some(
      ([id, result]) => !isFinal(result.status) && !isStale(result, config.stallSeconds, now) && !listing.cancels.has(attemptRef(holder.turn, id, result.attempt)),
    )
  } catch (error) {
    if (isAppError(error, 'not_found')) return false
    throw error
  }
}

/**
 * Claims a slot of this client for a turn (a new chat is turn 1), or throws `rate_limited` having
 * written nothing. A slot already held by the same turn (a retry while it still runs) is kept.
 */
export async function claimSlot(store: ChatStore, config: Pick<Settings, 'stallSeconds' | 'maxActivePerIp'>, client: string, work: { chatId: string; turn: number }): Promise<number> {
  const holder: SlotHolder = { ...work, at: new Date().toISOString() }
  const listed = new Map((await store.list(slotsPrefix(client))).map((blob) => [blob.key, blob.etag]))
  let busy = 0
  for (let slot = 0; slot < config.maxActivePerIp; slot++) {
    const key = slotKey(client, slot)
    const etag = listed.get(key)
    if (etag === undefined) {
      if ((await store.setJSON(key, holder, { onlyIfNew: true })).modified) return slot
      // Someone claimed it a moment ago: it is busy.
      busy++
      continue
    }
    const current = await store.getJSON<SlotHolder>(key)
    const same = current?.chatId === work.chatId && current.turn === work.turn
    if (current && !same && (await isBusy(store, current, config))) {
      busy++
      continue
    }
    if ((await store.setJSON(key, holder, { onlyIfMatch: etag })).modified) return slot
    busy++
  }
  throw new AppError(
    'rate_limited',
    `You already have ${busy} chats running (the limit is ${config.maxActivePerIp}). Wait for one to finish or cancel it.`,
    { retryAfterSeconds: RETRY_AFTER_SECONDS },
  )
}
