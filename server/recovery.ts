/**
 * No chat is stuck forever. A status read works out, without writing any result, which providers
 * have gone silent: a run rewrites its result at least every few seconds, so a non-final provider
 * silent for `AI_CHAT_STALL_SECONDS` belongs to a lost trigger or a dead run. The first such read
 * re-triggers the chat's run once (the claims keep finished providers from being called again); if
 * the providers stay silent after that, they are shown as `error` / `stalled`. A queued provider
 * with a cancel marker whose run never started is shown as `cancelled`.
 */
import type { ProviderId } from '../shared/catalogue.ts'
import { recoveryKey, retryKey } from '../shared/keys.ts'
import { isFinal, type ProviderResult } from '../shared/types.ts'
import { attemptId, generation } from './chat-files.ts'
import { describeError, log } from './log.ts'
import { isStale, lastSign } from './result.ts'
import type { Settings } from './settings.ts'
import { latestResults, type Snapshot } from './status-reader.ts'
import type { ChatStore } from './store.ts'

export interface RecoveryOptions {
  store: ChatStore
  config: Settings
  /** Starts the chat's background run again (the status function hands it to `waitUntil`). */
  retrigger: (chatId: string) => void
}

interface Marker {
  at: string
}

/** The results to show for a snapshot, after the stall and cancel rules. */
export function createReview({ store, config, retrigger }: RecoveryOptions) {
  return async (snapshot: Snapshot): Promise<Partial<Record<ProviderId, ProviderResult>>> => {
    const { chat, files } = snapshot
    const results = latestResults(snapshot)
    const now = Date.now()

    // A retried attempt that has not started yet was queued when the retry was asked for.
    await Promise.all(
      chat.providers.map(async (provider) => {
        const result = results[provider]!
        if (result.attempt > 1 && !snapshot.stored[provider]) {
          const marker = await store.getJSON<Marker>(retryKey(chat.chatId, provider, result.attempt))
          if (marker) result.timings = { queuedAt: marker.at }
        }
      }),
    )

    const silent: ProviderId[] = []
    for (const provider of chat.providers) {
      const result = results[provider]!
      if (isFinal(result.status)) continue
      const cancelled = files.cancels.has(attemptId(provider, result.attempt))
      if (cancelled && !snapshot.stored[provider]) {
        results[provider] = { ...result, status: 'cancelled', timings: { ...result.timings, finishedAt: result.timings.queuedAt } }
        continue
      }
      if (isStale(result, config.stallSeconds, now)) silent.push(provider)
    }
    if (silent.length === 0) return results

    const gen = generation(files, chat.providers)
    const key = recoveryKey(chat.chatId, gen)
    if (!files.recoveries.has(gen)) {
      const written = await store.setJSON(key, { at: new Date(now).toISOString(), providers: silent } satisfies Marker & { providers: ProviderId[] }, { onlyIfNew: true })
      if (written.modified) {
        log.warn('chat_stalled_retriggered', { chatId: chat.chatId, providers: silent })
        retrigger(chat.chatId)
      }
      return results
    }

    const marker = await store.getJSON<Marker>(key).catch((error) => {
      log.warn('recovery_read_failed', { chatId: chat.chatId, error: describeError(error) })
      return null
    })
    const recoveredAt = marker ? Date.parse(marker.at) : NaN
    if (!(now - recoveredAt > config.stallSeconds * 1000)) return results
    for (const provider of silent) {
      const result = results[provider]!
      // Still silent since the re-trigger: nobody is going to finish it.
      if (lastSign(result) <= recoveredAt) {
        results[provider] = {
          ...result,
          status: 'error',
          ok: false,
          timings: { ...result.timings, finishedAt: new Date(recoveredAt + config.stallSeconds * 1000).toISOString() },
          error: { code: 'stalled', message: 'This provider stopped responding and could not be restarted. Retry it.', retryable: true },
        }
      }
    }
    return results
  }
}
