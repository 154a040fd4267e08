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

/**
 * A cost in US dollars: "$0.0012" below a dollar (four decimals: answers cost fractions of a cent),
 * "$1.25" above, "< $0.0001" for a priced answer too cheap to show, "free" for exactly nothing.
 */
export function usd(amount: number): string {
  if (amount === 0) return 'free'
  if (amount < 0.0001) return '< $0.0001'
  return amount < 1 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`
}

/** An answer's cost, or "price unknown" (never "$0") when the server knows no price for it. */
export const costText = (cost: { totalUsd: number } | null | undefined) => (cost ? usd(cost.totalUsd) : 'price unknown')

const PARAMETER_WORDS: Array<[RegExp, string]> = [
  [/\bmaxTokens\b/g, 'max tokens'],
  [/\bmax_tokens\b/g, 'max tokens'],
  [/\bsystem\b(?! prompt)/g, 'system prompt'],
]

/**
 * The server's fairness notes in everyday words: parameter names as the page names them, numbers
 * with separators, a capital first letter ("Max tokens lowered from 99,999 to the server cap of 4,096.").
 */
export function friendlyNote(note: string): string {
  let text = note
  for (const [pattern, words] of PARAMETER_WORDS) text = text.replace(pattern, words)
  text = text.replace(/(?<![\w.-])\d{4,}(?![\w-]|\.\d)/g, (digits) => Number(digits).toLocaleString('en-US'))
  return text.charAt(0).toUpperCase() + text.slice(1)
}
