/** Cancel and retry: each writes only its own marker blob; the runs write their own results. */
import { isProviderId, PROVIDER_IDS, PROVIDERS, type ProviderId } from '../shared/catalogue.ts'
import { cancelKey, retryKey } from '../shared/keys.ts'
import { isFinal, type ChatRecord, type StatusDocument } from '../shared/types.ts'
import { HttpError } from './http.ts'
import type { createReview } from './recovery.ts'
import { documentOf, readSnapshot } from './status-reader.ts'
import type { ChatStore } from './store.ts'

type Review = ReturnType<typeof createReview>

/** Attempts per provider and chat (the first run plus retries). */
export const MAX_ATTEMPTS = 5

async function current(store: ChatStore, chatId: string, review: Review) {
  const snapshot = await readSnapshot(store, chatId)
  return { snapshot, document: documentOf(snapshot, await review(snapshot)) }
}

export interface CancelOutcome {
  document: StatusDocument
  /** Providers asked to stop (empty when the chat was already final). */
  cancelled: ProviderId[]
}

/** Leaves a cancel marker for every provider still queued or streaming. */
export async function cancelChat(store: ChatStore, chatId: string, review: Review): Promise<CancelOutcome> {
  const { document } = await current(store, chatId, review)
  const running = (Object.keys(document.results) as ProviderId[]).filter((p) => !isFinal(document.results[p]!.status))
  const at = new Date().toISOString()
  await Promise.all(running.map((p) => store.setJSON(cancelKey(chatId, p, document.results[p]!.attempt), { at }, { onlyIfNew: true })))
  return { document, cancelled: running }
}

/** Reads `{ "provider": "…" }`. */
export function retryTarget(body: unknown): ProviderId {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : null
  const provider = (body as { provider?: unknown } | null)?.provider
  if (!fields || fields.some((field) => field !== 'provider') || typeof provider !== 'string') {
    throw new HttpError(400, 'invalid_request', 'The body must be {"provider": "<provider id>"}, e.g. {"provider": "openai"}.')
  }
  if (!isProviderId(provider)) {
    throw new HttpError(400, 'unknown_provider', `Unknown provider "${provider.slice(0, 40)}". Known providers: ${PROVIDER_IDS.join(', ')}.`)
  }
  return provider
}

/**
 * Checks that a provider of a chat can be retried (its latest result is `error` or `cancelled`)
 * and returns the attempt a retry would start, with the chat. Writes nothing.
 */
export async function planRetry(
  store: ChatStore,
  chatId: string,
  provider: ProviderId,
  review: Review,
): Promise<{ attempt: number; chat: ChatRecord }> {
  const { snapshot, document } = await current(store, chatId, review)
  const result = document.results[provider]
  const label = PROVIDERS[provider].label
  if (!result) throw new HttpError(400, 'invalid_request', `${label} was not asked in this chat.`)
  if (result.status !== 'error' && result.status !== 'cancelled') {
    throw new HttpError(409, 'conflict', `${label} is ${result.status}; only a provider that failed or was cancelled can be retried.`)
  }
  if (result.attempt >= MAX_ATTEMPTS) {
    throw new HttpError(409, 'conflict', `${label} has been tried ${MAX_ATTEMPTS} times in this chat; start a new chat instead.`)
  }
  return { attempt: result.attempt + 1, chat: snapshot.chat }
}

/** Records the retry (once: a second request for the same attempt is a 409). */
export async function claimRetry(store: ChatStore, chatId: string, provider: ProviderId, attempt: number): Promise<void> {
  const written = await store.setJSON(retryKey(chatId, provider, attempt), { at: new Date().toISOString() }, { onlyIfNew: true })
  if (!written.modified) throw new HttpError(409, 'conflict', `${PROVIDERS[provider].label} is already being retried.`)
}
