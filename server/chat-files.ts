/**
 * What one listing of a chat's blobs says: which attempt of each provider is the latest, which
 * result blobs exist (with their ETags) and which cancel markers were left. Every reader works
 * from one `list` of the chat's prefix.
 */
import { PROVIDER_IDS, isProviderId, type ProviderId } from '../shared/catalogue.ts'
import { chatPrefix, requestKey } from '../shared/keys.ts'
import type { ListedBlob } from './store.ts'

const MARKER = /^(results|retries|cancels)\/([a-z]+)\.(\d{1,4})$/

export interface ChatFiles {
  /** The chat blob was in the listing (a missing one must still be read directly). */
  hasRequest: boolean
  /** ETag per result key. */
  results: Map<string, string>
  /** Latest attempt per provider: the highest result or retry request seen, at least 1. */
  latest: Record<ProviderId, number>
  /** `provider.attempt` of every cancel marker. */
  cancels: Set<string>
  /** `provider.attempt` of every retry request. */
  retries: Set<string>
  /** Generations whose silent run was re-triggered by a status read. */
  recoveries: Set<number>
}

export const attemptId = (provider: ProviderId, attempt: number) => `${provider}.${attempt}`

/** The sum of the providers' latest attempts: grows by one with every retry. */
export function generation(files: ChatFiles, providers: readonly ProviderId[]): number {
  return providers.reduce((sum, provider) => sum + files.latest[provider], 0)
}

export function readChatFiles(chatId: string, blobs: readonly ListedBlob[]): ChatFiles {
  const prefix = chatPrefix(chatId)
  const files: ChatFiles = {
    hasRequest: false,
    results: new Map(),
    latest: Object.fromEntries(PROVIDER_IDS.map((id) => [id, 1])) as Record<ProviderId, number>,
    cancels: new Set(),
    retries: new Set(),
    recoveries: new Set(),
  }
  for (const blob of blobs) {
    if (blob.key === requestKey(chatId)) files.hasRequest = true
    const rest = blob.key.startsWith(prefix) ? blob.key.slice(prefix.length) : ''
    const recovery = /^recoveries\/g(\d{1,5})$/.exec(rest)
    if (recovery) files.recoveries.add(Number(recovery[1]))
    const match = MARKER.exec(rest)
    if (!match || !isProviderId(match[2]!)) continue
    const provider = match[2]
    const attempt = Number(match[3])
    if (attempt < 1) continue
    if (match[1] === 'results') files.results.set(blob.key, blob.etag)
    else if (match[1] === 'cancels') files.cancels.add(attemptId(provider, attempt))
    if (match[1] === 'retries') files.retries.add(attemptId(provider, attempt))
    if (match[1] !== 'cancels') files.latest[provider] = Math.max(files.latest[provider], attempt)
  }
  return files
}
