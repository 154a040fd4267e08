/**
 * Deletes every blob of expired chats (request, turns, results, markers, picks), the client slots
 * that point at chats that no longer exist, and idempotency records past their chat's expiry. Runs hourly as a scheduled function (30 s limit on Netlify): it stops before its
 * time budget and the next run continues where this one stopped, since expired chats are simply
 * found again. A chat's request blob is deleted last, so a run cut short never leaves results without
 * the chat that explains them.
 */
import { listChat, withMeta } from './chat-listing.ts'
import { forgetChat, isLegacy, loadChat } from './chats.ts'
import { idempotencyExpiry } from './idempotency.ts'
import { CHATS_PREFIX, CLIENTS_PREFIX, chatIdOfKey, chatPrefix, parseClientKey, requestKey } from './keys.ts'
import { describeError, log } from './log.ts'
import type { SlotHolder } from './client-slots.ts'
import { expiryOf, readSnapshot, storedResults } from './status-reader.ts'
import { isStale } from './result.ts'
import { isFinal } from '../shared/types.ts'
import type { ChatStore } from './store.ts'
import { isAppError } from './errors.ts'

export interface CleanupReport {
  chatsSeen: number
  chatsDeleted: number
  blobsDeleted: number
  markersDeleted: number
  /** False when the budget ran out first: the next run continues. */
  finished: boolean
  ms: number
}

export interface CleanupOptions {
  now?: number
  /** Stop starting new work after this long (the scheduled function's limit is 30 s). */
  budgetMs?: number
  /** Chats handled at once. */
  concurrency?: number
  /** The clock the budget is measured with. */
  clock?: () => number
  /** A running participant silent this long counts as ended (`AI_CHAT_STALL_SECONDS`). */
  stallSeconds?: number
}

/**
 * A chat is expired once its latest turn is past its expiry and nothing of it still runs (a running
 * chat never expires; a silent run counts as ended). A chat folder without its request blob is what
 * an interrupted deletion left behind.
 */
async function isExpired(store: ChatStore, chatId: string, now: number, stallSeconds: number): Promise<boolean> {
  // A chat of an earlier version of the app: by its own expiry alone.
  const raw = await store.getJSON<{ expiresAt?: string }>(requestKey(chatId))
  if (raw && isLegacy(raw)) return !(now <= Date.parse(raw.expiresAt ?? ''))
  try {
    // With meta/ listed again: a later turn missing from a local listing would make a live chat look expired.
    const listing = await withMeta(store, chatId, await listChat(store, chatId))
    const chat = await loadChat(store, chatId, listing.hasRequest)
    const snapshot = await readSnapshot(store, chatId, { scope: 'latest', listing, chat })
    const results = storedResults(snapshot)
    if (now <= Date.parse(expiryOf(snapshot.turn, results))) return false
    return !Object.values(results).some((result) => !isFinal(result.status) && !isStale(result, stallSeconds, now))
  } catch (error) {
    if (isAppError(error, 'not_found')) return true
    throw error
  }
}

async function deleteChat(store: ChatStore, chatId: string): Promise<number> {
  const keys = (await store.list(chatPrefix(chatId))).map((blob) => blob.key).filter((key) => key !== requestKey(chatId))
  for (let i = 0; i < keys.length; i += 20) await Promise.all(keys.slice(i, i + 20).map((key) => store.delete(key)))
  await store.delete(requestKey(chatId))
  return keys.length + 1
}

export async function cleanupExpired(store: ChatStore, options: CleanupOptions = {}): Promise<CleanupReport> {
  const clock = options.clock ?? Date.now
  const started = clock()
  const now = options.now ?? Date.now()
  const deadline = started + (options.budgetMs ?? 20_000)
  const concurrency = options.concurrency ?? 8
  const report: CleanupReport = { chatsSeen: 0, chatsDeleted: 0, blobsDeleted: 0, markersDeleted: 0, finished: false, ms: 0 }
  const alive = new Set<string>()

  const handle = async (chatId: string) => {
    report.chatsSeen++
    // One chat that cannot be judged (a damaged blob) must not stop the others' cleanup.
    const expired = await isExpired(store, chatId, now, options.stallSeconds ?? 30).catch((error) => {
      log.warn('cleanup_chat_skipped', { chatId, error: describeError(error) })
      return false
    })
    if (!expired) {
      alive.add(chatId)
      return
    }
    report.blobsDeleted += await deleteChat(store, chatId)
    forgetChat(chatId)
    report.chatsDeleted++
  }

  const seen = new Set<string>()
  try {
    for await (const blobs of store.listPages(CHATS_PREFIX)) {
      // A page lists blobs, several per chat; a chat is handled the first time one of its blobs shows up.
      const ids = [...new Set(blobs.map(({ key }) => chatIdOfKey(key)))].filter((id): id is string => id !== null && !seen.has(id))
      ids.forEach((id) => seen.add(id))
      for (let i = 0; i < ids.length; i += concurrency) {
        if (clock() >= deadline) return report
        await Promise.all(ids.slice(i, i + concurrency).map(handle))
      }
    }
    // Slots of chats that no longer exist, and idempotency records past their chat's expiry.
    const stale = async (key: string): Promise<boolean> => {
      const parsed = parseClientKey(key)
      if (!parsed) return false
      if (parsed.kind === 'idempotency') return idempotencyExpiry(await store.getJSON(key)) < now
      const holder = await store.getJSON<SlotHolder>(key)
      if (!holder || alive.has(holder.chatId)) return false
      // A slot is claimed just before its chat is written, and a delete cannot be conditional: only a
      // slot untouched for a day whose chat is gone is removed (a client has at most a few).
      return now - Date.parse(holder.at) > 86_400_000 && (await store.getJSON(requestKey(holder.chatId))) === null
    }
    for await (const page of store.listPages(CLIENTS_PREFIX)) {
      for (let i = 0; i < page.length; i += 20) {
        if (clock() >= deadline) return report
        const batch = page.slice(i, i + 20)
        const verdicts = await Promise.all(batch.map(({ key }) => stale(key)))
        const gone = batch.filter((_, j) => verdicts[j])
        await Promise.all(gone.map(({ key }) => store.delete(key)))
        report.markersDeleted += gone.length
      }
    }
    report.finished = true
    return report
  } catch (error) {
    log.error('cleanup_failed', { error: describeError(error) })
    throw error
  } finally {
    report.ms = clock() - started
    log.info('cleanup', { ...report })
  }
}
