/**
 * No chat is stuck forever. A status read works out, without writing any result, which providers
 * have gone silent: a run rewrites its result at least every few seconds, so a non-final provider
 * silent for `AI_CHAT_STALL_SECONDS` belongs to a lost trigger or a dead run. The first read that
 * finds a provider's attempt silent re-triggers the chat's run once for it (the claims keep finished
 * providers from being called again); if that attempt is still silent a stall period later, it is
 * shown as `error` / `stalled`, and the runner leaves it so. A provider with a cancel marker whose
 * run has not started streaming (or is dead) is shown as `cancelled`, as its run will write it.
 */
import type { ProviderId } from '../shared/catalogue.ts'
import { cancelKey, recoveryKey, retryKey } from '../shared/keys.ts'
import { isFinal, type ChatRecord, type ProviderResult } from '../shared/types.ts'
import { attemptId, readRecoveries } from './chat-files.ts'
import { log } from './log.ts'
import { isStale, lastSign } from './result.ts'
import type { Settings } from './settings.ts'
import { latestResults, type Review, type Snapshot } from './status-reader.ts'
import type { ChatStore } from './store.ts'

export interface RecoveryOptions {
  store: ChatStore
  config: Settings
  /** Starts the chat's background run again (the status function hands it to `waitUntil`). */
  retrigger: (chat: ChatRecord) => void
}

type Marker = { at: string }

/** The results to show for a snapshot after the stall and cancel rules, and when time alone may change them. */
export function createReview({ store, config, retrigger }: RecoveryOptions) {
  const stallMs = config.stallSeconds * 1000
  return async (snapshot: Snapshot): Promise<Review> => {
    const { chat, files } = snapshot
    const results = latestResults(snapshot)
    const now = Date.now()
    let reviewAt = Infinity
    const marker = (key: string) => store.getJSON<Marker>(key)

    // A retried attempt that no run has claimed yet was queued when the retry was asked for.
    await Promise.all(
      chat.providers.map(async (provider) => {
        const result = results[provider]!
        if (result.attempt > 1 && !snapshot.stored[provider]) {
          const retried = await marker(retryKey(chat.chatId, provider, result.attempt))
          if (retried) result.timings = { queuedAt: retried.at }
        }
      }),
    )

    const recovered = files.recoveries.size ? await readRecoveries(store, chat.chatId, files, chat.providers) : {}
    const silent: ProviderId[] = []
    for (const provider of chat.providers) {
      const result = results[provider]!
      if (isFinal(result.status)) continue
      const stale = isStale(result, config.stallSeconds, now)
      if (files.cancels.has(attemptId(provider, result.attempt)) && (stale || result.status === 'queued')) {
        const cancelled = await marker(cancelKey(chat.chatId, provider, result.attempt))
        results[provider] = { ...result, status: 'cancelled', timings: { ...result.timings, finishedAt: cancelled?.at ?? result.timings.queuedAt } }
        continue
      }
      if (!stale) {
        reviewAt = Math.min(reviewAt, lastSign(result) + stallMs + 1)
        continue
      }
      const since = recovered[provider]
      if (since === undefined) {
        silent.push(provider)
        continue
      }
      if (now - since <= stallMs) {
        reviewAt = Math.min(reviewAt, since + stallMs + 1)
        continue
      }
      // Still silent a stall period after its run was re-triggered: nobody is going to finish it.
      results[provider] = {
        ...result,
        status: 'error',
        ok: false,
        timings: { ...result.timings, finishedAt: new Date(Math.max(since, lastSign(result)) + stallMs).toISOString() },
        error: { code: 'stalled', message: 'This provider stopped responding and could not be restarted. Retry it.', retryable: true },
      }
    }

    if (silent.length) {
      const at = new Date(now).toISOString()
      const written = await Promise.all(
        silent.map((provider) => store.setJSON(recoveryKey(chat.chatId, provider, results[provider]!.attempt), { at } satisfies Marker, { onlyIfNew: true })),
      )
      if (written.some((write) => write.modified)) {
        log.warn('chat_stalled_retriggered', { chatId: chat.chatId, providers: silent })
        retrigger(chat)
      }
      reviewAt = Math.min(reviewAt, now + stallMs + 1)
    }
    return { results, reviewAt: Number.isFinite(reviewAt) ? reviewAt : null }
  }
}
