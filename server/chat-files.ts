/**
 * What one listing of a chat's blobs says: which attempt of each provider is the latest, which
 * result blobs exist (with their ETags), which cancel markers were left and which silent runs were
 * re-triggered. Every reader works
 * from one `list` of the chat's prefix.
 */
import { PROVIDER_IDS, isProviderId, type ProviderId } from '../shared/catalogue.ts'
import { chatPrefix, recoveryKey, requestKey } from '../shared/keys.ts'
import type { ChatStore, ListedBlob } from './store.ts'

const MARKER = /^(results|retries|cancels|recoveries)\/([a-z]+)\.(\d{1,4})$/

export interface ChatFiles {
  /** The chat blob was in the listing (a missing one must still be read directly). */
  hasRequest: boolean
  /** ETag per result key. */
  results: Map<string, string>
  /** Latest attempt per provider: the highest result or retry request seen, at least 1. */
  latest: Record<ProviderId, number>
  /** `provider.attempt` of every cancel marker. */
  cancels: Set<string>
  /** `provider.attempt` of every attempt whose silent run was re-triggered by a status read. */
  recoveries: Set<string>
}

export const attemptId = (provider: ProviderId, attempt: number) => `${provider}.${attempt}`

/**
 * When the run of each provider's latest attempt was re-triggered by a status read, if it was
 * (one read per recovery marker; a chat rarely has any).
 */
export async function readRecoveries(store: ChatStore, chatId: string, files: ChatFiles, providers: readonly ProviderId[]): Promise<Partial<Record<ProviderId, number>>> {
  const recovered: Partial<Record<ProviderId, number>> = {}
  await Promise.all(
    providers.map(async (provider) => {
      if (!files.recoveries.has(attemptId(provider, files.latest[provider]))) return
      const marker = await store.getJSON<{ at: string }>(recoveryKey(chatId, provider, files.latest[provider]))
      if (marker) recovered[provider] = Date.parse(marker.at)
    }),
  )
  return recovered
}

export function readChatFiles(chatId: string, blobs: readonly ListedBlob[]): ChatFiles {
  const prefix = chatPrefix(chatId)
  const files: ChatFiles = {
    hasRequest: false,
    results: new Map(),
    latest: Object.fromEntries(PROVIDER_IDS.map((id) => [id, 1])) as Record<ProviderId, number>,
    cancels: new Set(),
    recoveries: new Set(),
  }
  for (const blob of blobs) {
    if (blob.key === requestKey(chatId)) files.hasRequest = true
    const rest = blob.key.startsWith(prefix) ? blob.key.slice(prefix.length) : ''
    const match = MARKER.exec(rest)
    if (!match || !isProviderId(match[2]!)) continue
    const provider = match[2]
    const attempt = Number(match[3])
    if (attempt < 1) continue
    if (match[1] === 'results') files.results.set(blob.key, blob.etag)
    else if (match[1] === 'cancels') files.cancels.add(attemptId(provider, attempt))
    else if (match[1] === 'recoveries') files.recoveries.add(attemptId(provider, attempt))
    if (match[1] === 'results' || match[1] === 'retries') files.latest[provider] = Math.max(files.latest[provider], attempt)
  }
  return files
}
