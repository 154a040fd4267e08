/**
 * Chats running at once per client IP (`AI_CHAT_MAX_ACTIVE_PER_IP`, default 3): an app-level cap,
 * because Netlify's `config.rateLimit` is not enforced locally and counts requests, not running work.
 *
 * Each accepted POST leaves `clients/<hmac(ip)>/<chatId>` (the IP itself is never stored). A new
 * POST with fewer markers than the cap is accepted at once; otherwise it counts that client's chats
 * that are still running (finished, expired and silent ones do not count) and, once it is accepted,
 * removes the markers of those that are not. Two POSTs at the very same
 * moment may both pass: this is a guard against runaway use, not an exact quota.
 */
import { createHmac } from 'node:crypto'
import type { Context } from '@netlify/functions'
import { isChatId } from '../shared/keys.ts'
import { isFinal } from '../shared/types.ts'
import { loadChat } from './chats.ts'
import { HttpError } from './http.ts'
import { isStale } from './result.ts'
import type { Settings } from './settings.ts'
import { latestResults, readSnapshot } from './status-reader.ts'
import type { ChatStore } from './store.ts'

export const CLIENTS_PREFIX = 'clients/'

/** The caller's IP as Netlify reports it (empty locally, where every caller is the same one). */
export function clientIp(req: Request, context: Pick<Context, 'ip'>): string {
  return context.ip || req.headers.get('x-nf-client-connection-ip') || 'local'
}

export function clientPrefix(secret: string, ip: string): string {
  return `${CLIENTS_PREFIX}${createHmac('sha256', secret).update(`ip:${ip}`).digest('base64url').slice(0, 32)}/`
}

async function isRunning(store: ChatStore, chatId: string, config: Settings): Promise<boolean> {
  try {
    const snapshot = await readSnapshot(store, chatId)
    return Object.values(latestResults(snapshot)).some((result) => !isFinal(result.status) && !isStale(result, config.stallSeconds))
  } catch (error) {
    if (error instanceof HttpError && (error.status === 404 || error.status === 410)) return false
    throw error
  }
}

export interface ClientSlot {
  /** Records the new chat against this client and forgets its finished ones. */
  claim(chatId: string): Promise<void>
}

/**
 * Refuses with 429 when the client already has the maximum of running chats (not counting `forChat`,
 * the chat a retry revives). Writes nothing.
 */
export async function checkClientSlot(store: ChatStore, config: Settings, secret: string, ip: string, forChat?: string): Promise<ClientSlot> {
  const prefix = clientPrefix(secret, ip)
  const chatIds = (await store.list(prefix)).map(({ key }) => key.slice(prefix.length)).filter((id) => isChatId(id) && id !== forChat)
  // Fewer markers than the cap: no need to look at those chats now (one list is the whole cost).
  // At the cap, each chat is checked, and the finished ones' markers are dropped on acceptance.
  const running = chatIds.length < config.maxActivePerIp ? chatIds.map(() => true) : await Promise.all(chatIds.map((id) => isRunning(store, id, config)))
  const active = running.filter(Boolean).length
  if (active >= config.maxActivePerIp) {
    throw new HttpError(
      429,
      'rate_limited',
      `You already have ${active} chats running (the limit is ${config.maxActivePerIp}). Wait for one to finish or cancel it.`,
      { 'retry-after': '10' },
    )
  }
  return {
    async claim(chatId) {
      await Promise.all([
        store.setJSON(`${prefix}${chatId}`, { at: new Date().toISOString() }),
        ...chatIds.filter((_, i) => !running[i]).map((id) => store.delete(`${prefix}${id}`)),
      ])
    },
  }
}

