/** How long silence may last before a run counts as dead. */
import type { ProviderResult } from '../shared/types.ts'

/** How often a running participant rewrites its blob when nothing else was written: well inside the stall limit. */
export function heartbeatMs(stallSeconds: number): number {
  return Math.min(5_000, (stallSeconds * 1000) / 3)
}

/** When a result was last known to be alive: its last write, else when it started or was queued. */
export function lastSign(result: Pick<ProviderResult, 'updatedAt' | 'timings'>): number {
  return Date.parse(result.updatedAt ?? result.timings.startedAt ?? result.timings.queuedAt)
}

/** A result is stale when its run has been silent for longer than the stall limit. */
export function isStale(result: Pick<ProviderResult, 'updatedAt' | 'timings'>, stallSeconds: number, now = Date.now()): boolean {
  const last = lastSign(result)
  return !Number.isFinite(last) || now - last > stallSeconds * 1000
}
