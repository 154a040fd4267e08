/**
 * What one listing of a chat's blobs says: which attempt of each provider is the latest, which
 * result blobs exist (with their ETags), which cancel markers were left and which silent runs were
 * re-triggered. Every reader works
 * from one `list` of the chat's prefix.
 */
import { PROVIDER_IDS, isProviderId, type ProviderId } from '../shared/catalogue.ts'
import { chatPrefix, requestKey } from '../shared/keys.ts'
import type { ChatStore, ListedBlob } from './store.ts'

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
  /** Attempt sets whose silent run was re-triggered by a status read (see `recoveryKey`), by key. */
  recoveries: Map<string, number[]>
}

export const attemptId = (provider: ProviderId, attempt: number) => `${provider}.${attempt}`

/** The latest attempt of each requested provider, in the chat's order. */
export function latestAttempts(files: ChatFiles, providers: readonly ProviderId[]): number[] {
  return providers.map((provider) => files.latest[provider])
}

export interface Recovery {
  /** When the status read re-triggered the run. */
  at: number
  /** The attempts it re-triggered, by provider. */
  attempts: Partial<Record<ProviderId, number>>
}

/** The chat's recoveries with their times (one read per recovery; a chat rarely has any). */
export async function readRecoveries(store: ChatStore, files: ChatFiles, providers: readonly ProviderId[]): Promise<Recovery[]> {
  const found = await Promise.all(
    [...files.recoveries].map(async ([key, attempts]) => {
      const marker = await store.getJSON<{ at: string }>(key)
      if (!marker || attempts.length !== providers.length) return null
      return { at: Date.parse(marker.at), attempts: Object.fromEntries(providers.map((p, i) => [p, attempts[i]])) }
    }),
  )
  return found.filter((recovery): recovery is Recovery => recovery !== null)
}

export function readChatFiles(chatId: string, blobs: readonly ListedBlob[]): ChatFiles {
  const prefix = chatPrefix(chatId)
  const files: ChatFiles = {
    hasRequest: false,
    results: new Map(),
    latest: Object.fromEntries(PROVIDER_IDS.map((id) => [id, 1])) as Record<ProviderId, number>,
    cancels: new Set(),
    recoveries: new Map(),
  }
  for (const blob of blobs) {
    if (blob.key === requestKey(chatId)) files.hasRequest = true
    const rest = blob.key.startsWith(prefix) ? blob.key.slice(prefix.length) : ''
    const recovery = /^recoveries\/(\d{1,4}(?:-\d{1,4}){0,2})$/.exec(rest)
    if (recovery) files.recoveries.set(blob.key, recovery[1]!.split('-').map(Number))
    const match = MARKER.exec(rest)
    if (!match || !isProviderId(match[2]!)) continue
    const provider = match[2]
    const attempt = Number(match[3])
    if (attempt < 1) continue
    if (match[1] === 'results') files.results.set(blob.key, blob.etag)
    else if (match[1] === 'cancels') files.cancels.add(attemptId(provider, attempt))
    if (match[1] !== 'cancels') files.latest[provider] = Math.max(files.latest[provider], attempt)
  }
  return files
}
