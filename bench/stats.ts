/** Clock and summary statistics shared by every benchmark process. */

/**
 * Wall-clock milliseconds with sub-millisecond precision. `timeOrigin + now()` is comparable
 * across processes on one machine, so a fake provider's "last byte" and a client's "seen" can be
 * subtracted although they are stamped in different processes.
 */
export const now = (): number => performance.timeOrigin + performance.now()

/** The p-th percentile (0–100) by linear interpolation; NaN for no samples. */
export function percentile(samples: readonly number[], p: number, sorted = [...samples].sort((a, b) => a - b)): number {
  if (sorted.length === 0) return NaN
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low)
}

export interface Summary {
  n: number
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
}

export function summarize(samples: readonly number[]): Summary {
  const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : NaN)
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: samples.length,
    p50: round(percentile(samples, 50, sorted)),
    p95: round(percentile(samples, 95, sorted)),
    p99: round(percentile(samples, 99, sorted)),
    max: round(sorted.at(-1) ?? NaN),
    mean: round(samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : NaN),
  }
}

export const median = (samples: readonly number[]) => percentile(samples, 50)

/** A small seeded PRNG (xorshift32, shared with the demo providers), so every run sends the same scripts. */
export { seededRandom as seeded } from '../shared/hash.ts'

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)))
