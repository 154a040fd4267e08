/**
 * Work running at once per client (`AI_CHAT_MAX_ACTIVE_PER_IP`, default 3): an app-level cap, because
 * Netlify's `config.rateLimit` is not enforced locally and counts requests, not running work.
 *
 * Each client has that many slot blobs (`clients/<client>/slots/<i>`, the client being an HMAC of its
 * IP; the IP itself is never stored). A new chat, a follow-up turn or a retry must claim one before
 * anything else is written: an empty slot with `onlyIfNew`, or one whose work has ended (final,
 * cancelled, silent, gone) with `onlyIfMatch` on its ETag. Two requests can never claim one slot, so
 * N requests at the same instant get at most the cap (a retry waiting for its run counts as running
 * from the moment it was asked for), wherever conditional writes are atomic: on
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

/**
 * Who counts as one client: an IPv4 address, or an IPv6 /64 (one subscriber's network: a client
 * with a /64 could otherwise take a new address, and new slots, for every request).
 */
export function clientNetwork(ip: string): string {
  if (!ip.includes(':')) return ip
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

/** The client's id in blob keys: an HMAC of its network (see `clientNetwork`) under the server secret. */
export function clientId(secret: string, ip: string): string {
  return createHmac('sha256', secret).update(`ip:${clientNetwork(ip)}`).digest('base64url').slice(0, 32)
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
 * written nothing. An empty slot is tried first (in random order, so requests arriving together
 * rarely collide), then a slot whose work has ended. With `reuse` (a retry), work that already holds
 * a slot (the same chat and turn, still running) keeps that one.
 */
export interface ClaimedSlot {
  slot: number
  /** Gives the slot back (the work it was claimed for did not start after all). */
  release(): Promise<void>
}

export async function claimSlot(
  store: ChatStore,
  config: Pick<Settings, 'stallSeconds' | 'maxActivePerIp'>,
  client: string,
  work: { chatId: string; turn: number },
  options: { reuse?: boolean } = {},
): Promise<ClaimedSlot> {
  const { slot, reused } = await takeSlot(store, config, client, work, options)
  return {
    slot,
    async release() {
      // A slot the work already held stays held; one another request took over is left alone.
      if (reused) return
      const current = await store.getJSON<SlotHolder>(slotKey(client, slot))
      if (current?.chatId === work.chatId && current.turn === work.turn) await store.delete(slotKey(client, slot))
    },
  }
}

async function takeSlot(
  store: ChatStore,
  config: Pick<Settings, 'stallSeconds' | 'maxActivePerIp'>,
  client: string,
  work: { chatId: string; turn: number },
  options: { reuse?: boolean },
): Promise<{ slot: number; reused: boolean }> {
  const holder: SlotHolder = { ...work, at: new Date().toISOString() }
  const listed = new Map((await store.list(slotsPrefix(client))).map((blob) => [blob.key, blob.etag]))
  const slots = Array.from({ length: config.maxActivePerIp }, (_, slot) => slot)
  const held = slots.filter((slot) => listed.has(slotKey(client, slot)))
  const holders = new Map<number, SlotHolder | null>()
  const holderOf = async (slot: number) => {
    if (!holders.has(slot)) holders.set(slot, await store.getJSON<SlotHolder>(slotKey(client, slot)))
    return holders.get(slot)!
  }
  const take = async (slot: number) => (await store.setJSON(slotKey(client, slot), holder, { onlyIfMatch: listed.get(slotKey(client, slot))! })).modified

  // Work already holding a slot keeps it (a retry while the turn's other participants still run).
  if (options.reuse) {
    for (const slot of held) {
      const current = await holderOf(slot)
      if (current?.chatId === work.chatId && current.turn === work.turn && (await take(slot))) return { slot, reused: true }
    }
  }
  const empty = slots.filter((slot) => !listed.has(slotKey(client, slot)))
  for (let i = empty.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[empty[i], empty[j]] = [empty[j]!, empty[i]!]
  }
  for (const slot of empty) if ((await store.setJSON(slotKey(client, slot), holder, { onlyIfNew: true })).modified) return { slot, reused: false }
  let busy = empty.length
  for (const slot of held) {
    const current = await holderOf(slot)
    const same = current?.chatId === work.chatId && current.turn === work.turn
    if (current && !same && (await isBusy(store, current, config))) busy++
    else if (await take(slot)) return { slot, reused: same }
    else busy++
  }
  throw new AppError(
    'rate_limited',
    `You already have ${Math.min(busy, config.maxActivePerIp)} chats running (the limit is ${config.maxActivePerIp}). Wait for one to finish or cancel it.`,
    { retryAfterSeconds: RETRY_AFTER_SECONDS },
  )
}
