/** How a chat's overall state follows from its providers' results. Pure, shared by the functions and the page. */
import type { ProviderId } from './catalogue.ts'
import { isFinal, type ChatRecord, type ChatStatus, type ProviderResult, type StatusDocument } from './types.ts'

/** The entry of a provider whose run has not written anything yet. */
export function queuedResult(chat: ChatRecord, provider: ProviderId, attempt = 1): ProviderResult {
  return {
    status: 'queued',
    ok: false,
    text: '',
    model: chat.params[provider]?.model ?? '',
    attempt,
    timings: { queuedAt: chat.createdAt },
    ...(chat.demo ? { demo: true } : {}),
  }
}

export function chatStatus(results: readonly ProviderResult[]): ChatStatus {
  // A retried provider waiting for its new run puts the chat back to `processing`, not `pending`.
  if (results.every((result) => result.status === 'queued' && result.attempt === 1)) return 'pending'
  if (!results.every((result) => isFinal(result.status))) return 'processing'
  return results.some((result) => result.status === 'done') ? 'completed' : 'failed'
}

/** When the last provider finished, or null while any is still running. */
export function completedAt(results: readonly ProviderResult[]): string | null {
  if (!results.every((result) => isFinal(result.status))) return null
  const finished = results.map((result) => result.timings.finishedAt ?? '').sort()
  return finished.at(-1) || null
}

/** The status document for a chat and the latest result of each requested provider. */
export function statusDocument(
  chat: ChatRecord,
  latest: Partial<Record<ProviderId, ProviderResult>>,
  version: string,
): StatusDocument {
  const results: Partial<Record<ProviderId, ProviderResult>> = {}
  for (const provider of chat.providers) results[provider] = latest[provider] ?? queuedResult(chat, provider)
  const list = Object.values(results)
  return {
    success: true,
    chatId: chat.chatId,
    status: chatStatus(list),
    results,
    request: {
      message: chat.message,
      ...(chat.system !== undefined ? { system: chat.system } : {}),
      ...(chat.temperature !== undefined ? { temperature: chat.temperature } : {}),
      maxTokens: chat.maxTokens,
    },
    demo: chat.demo,
    createdAt: chat.createdAt,
    completedAt: completedAt(list),
    expiresAt: chat.expiresAt,
    version,
  }
}
