/** Words and numbers as a person reads them: durations, times, metrics and error sentences. Pure. */
import type { ProviderResult, ResultError } from '../../shared/types.ts'

const ms = (from?: string, to?: string): number | undefined =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : undefined

/** "850 ms", "2.4 s", "3 min 5 s". */
export function duration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(1)} s`
  const seconds = Math.round(milliseconds / 1000)
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`
}

/** A clock time, with the date when it is not today: "14:05" or "Mar 3, 14:05". */
export function clockTime(iso: string, now = Date.now()): string {
  const date = new Date(iso)
  const sameDay = date.toDateString() === new Date(now).toDateString()
  return date.toLocaleString(undefined, {
    ...(sameDay ? {} : { month: 'short', day: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
  })
}

export interface Metrics {
  /** From the provider call's start to its first token. */
  firstToken?: number
  /** From the provider call's start to its end. */
  total?: number
  /** Output tokens per second while the answer streamed. */
  tokensPerSecond?: number
}

export function metrics(result: ProviderResult): Metrics {
  const { queuedAt, startedAt = queuedAt, firstTokenAt, finishedAt } = result.timings
  const streamed = ms(firstTokenAt ?? startedAt, finishedAt)
  const output = result.usage?.outputTokens
  return {
    firstToken: ms(startedAt, firstTokenAt),
    total: ms(startedAt, finishedAt),
    tokensPerSecond: output && streamed ? (output * 1000) / streamed : undefined,
  }
}

/** What went wrong, in words a person can act on. The server's own message is shown under it. */
export function errorHeadline(label: string, error: ResultError | undefined): string {
  switch (error?.code) {
    case 'auth':
      return `${label} refused the API key — check the key set on the server`
    case 'rate_limited':
      return `Rate limited by ${label} — try again in a minute`
    case 'overloaded':
      return `${label} is overloaded right now — try again shortly`
    case 'timeout':
      return `${label} took too long to answer`
    case 'stalled':
      return `${label} stopped sending anything`
    case 'bad_request':
      return `${label} refused this request`
    case 'content_filtered':
      return `${label} blocked this answer with its content filter`
    case 'network':
      return `Could not reach ${label}`
    case 'stream_interrupted':
      return `The answer from ${label} broke off mid-stream`
    case 'upstream':
      return `${label} had a server error`
    default:
      return `Something went wrong while asking ${label}`
  }
}
