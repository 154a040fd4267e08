/**
 * Deletes every blob of expired chats (request, results, markers) and the per-IP markers that
 * point at them. Runs hourly as a scheduled function (30 s limit on Netlify): it stops before its
 * time budget and the next run continues where this one stopped, since expired chats are simply
 * found again. A chat's request blob is deleted last, so a run cut short never leaves results without
 * the chat that explains them.
 */
import { CHATS_PREFIX, chatIdOfKey, chatPrefix, isChatId, requestKey } from '../shared/keys.ts'
import type { ChatRecord } from '../shared/types.ts'
import { describeError, log } from './log.ts'
import { CLIENTS_PREFIX } from './limits.ts'
import type { ChatStore } from './store.ts'

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
  const deleted = new Set<string>()

  const handle = async (chatId: string) => {
    report.chatsSeen++
    const chat = await store.getJSON<ChatRecord>(requestKey(chatId))
    // A chat folder without its request can only be what an interrupted deletion left behind.
    if (chat && now <= Date.parse(chat.expiresAt)) {
      alive.add(chatId)
      return
    }
    report.blobsDeleted += await deleteChat(store, chatId)
    report.chatsDeleted++
    deleted.add(chatId)
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
    // Per-IP markers of deleted chats are stale; so are those of chats that no longer exist (a
    // marker of a chat created while this ran is kept: its request blob exists).
    const gone = async (chatId: string) => deleted.has(chatId) || !isChatId(chatId) || (await store.getJSON(requestKey(chatId))) === null
    for await (const page of store.listPages(CLIENTS_PREFIX)) {
      const candidates = page.filter(({ key }) => !alive.has(key.slice(key.lastIndexOf('/') + 1)))
      const stale: typeof candidates = []
      for (let i = 0; i < candidates.length; i += 20) {
        if (clock() >= deadline) return report
        const batch = candidates.slice(i, i + 20)
        const verdicts = await Promise.all(batch.map(({ key }) => gone(key.slice(key.lastIndexOf('/') + 1))))
        stale.push(...batch.filter((_, j) => verdicts[j]))
      }
      for (let i = 0; i < stale.length; i += 20) {
        if (clock() >= deadline) return report
        await Promise.all(stale.slice(i, i + 20).map(({ key }) => store.delete(key)))
        report.markersDeleted += Math.min(20, stale.length - i)
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
