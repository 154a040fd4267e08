/** How a turn's overall state follows from its participants' results. Pure, shared by the functions and the page. */
import { isFinal, type ChatStatus, type Cost, type ProviderResult } from './types.ts'

/** The entry of a participant whose run has not written anything yet. */
export function queuedResult(participant: { provider: string; model: string }, queuedAt: string, options: { attempt?: number; demo?: boolean } = {}): ProviderResult {
  return {
    status: 'queued',
    ok: false,
    text: '',
    provider: participant.provider,
    model: participant.model,
    attempt: options.attempt ?? 1,
    timings: { queuedAt },
    cost: null,
    ...(options.demo ? { demo: true } : {}),
  }
}

export function chatStatus(results: readonly ProviderResult[]): ChatStatus {
  // A retried participant waiting for its new run puts the turn back to `processing`, not `pending`.
  if (results.every((result) => result.status === 'queued' && result.attempt === 1)) return 'pending'
  if (!results.every((result) => isFinal(result.status))) return 'processing'
  return results.some((result) => result.status === 'done') ? 'completed' : 'failed'
}

export const isTurnFinal = (status: ChatStatus) => status === 'completed' || status === 'failed'

/** When the last participant finished, or null while any is still running. */
export function completedAt(results: readonly ProviderResult[]): string | null {
  if (!results.every((result) => isFinal(result.status))) return null
  const finished = results.map((result) => result.timings.finishedAt ?? '').sort()
  return finished.at(-1) || null
}

/** The sum of the priced costs in USD, or null when none is priced. */
export function totalCost(costs: Iterable<Cost | number | null | undefined>): number | null {
  let total: number | null = null
  for (const cost of costs) {
    const usd = typeof cost === 'number' ? cost : cost?.totalUsd
    if (usd !== undefined && usd !== null) total = (total ?? 0) + usd
  }
  return total === null ? null : Math.round(total * 1e8) / 1e8
}
