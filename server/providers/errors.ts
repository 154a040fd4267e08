/** Turns whatever an SDK threw into a `ProviderError` with words a person understands. No key, header or stack survives. */
import { redact } from '../log.ts'
import { KINDS } from './kinds.ts'
import type { ProviderDefinition } from './registry.ts'
import { ProviderError } from './types.ts'

function header(headers: unknown, name: string): string | null {
  if (!headers) return null
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name)
  const value = (headers as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : null
}

/** `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, in milliseconds. */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'))
  if (Number.isFinite(ms) && ms > 0) return ms
  const raw = header(headers, 'retry-after')
  if (!raw) return undefined
  const seconds = Number(raw)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(raw)
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined
}

/** A short, safe excerpt of an upstream explanation (for 400s, where it tells the user what to fix). */
function upstreamDetail(error: unknown): string {
  const apiMessage = (error as { apiMessage?: unknown }).apiMessage
  const raw = typeof apiMessage === 'string' ? apiMessage : error instanceof Error ? error.message : ''
  const flat = redact(raw.replace(/\s+/g, ' ').trim())
  return flat ? ` (${flat.slice(0, 200)})` : ''
}

export function toProviderError(provider: Pick<ProviderDefinition, 'kind' | 'label' | 'keyEnv'>, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error
  const { label } = provider
  const e = error as { status?: unknown; headers?: unknown; name?: unknown }
  const status = typeof e?.status === 'number' ? e.status : KINDS[provider.kind].errorStatus?.(error)
  const after = retryAfterMs(e?.headers)

  if (status === 401 || status === 403) {
    return new ProviderError('auth', `${label} refused the API key (${status}). Check ${provider.keyEnv.join(' or ')}.`, false, status)
  }
  if (status === 429) {
    const wait = after ? `in ${Math.ceil(after / 1000)} s` : 'in a minute'
    return new ProviderError('rate_limited', `Rate limited by ${label}; try again ${wait}.`, true, status, after)
  }
  if (status === 529 || status === 503) {
    return new ProviderError('overloaded', `${label} is overloaded right now (${status}); try again shortly.`, true, status, after)
  }
  if (status === 408) {
    return new ProviderError('timeout', `${label} timed out (${status}).`, true, status, after)
  }
  if (status !== undefined && status >= 500) {
    return new ProviderError('upstream', `${label} had an internal error (${status}).`, true, status, after)
  }
  if (status !== undefined && status >= 400) {
    const what = status === 404 ? 'does not know this model or endpoint' : 'rejected the request'
    return new ProviderError('bad_request', `${label} ${what} (${status})${upstreamDetail(error)}.`, false, status)
  }
  const name = typeof e?.name === 'string' ? e.name : ''
  if (/timeout/i.test(name)) return new ProviderError('timeout', `${label} did not answer in time.`, true)
  if (isNetworkError(error)) return new ProviderError('network', `Could not reach ${label} (network error).`, true)
  // Not an answer from the provider and not the network: our side (e.g. an SDK that failed to load).
  return new ProviderError('internal', `Something went wrong on our side while calling ${label}.`, true)
}

const NETWORK_CODES = /^(ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR)/
const NETWORK_WORDS = /connection error|fetch failed|network|socket hang up|terminated|other side closed/i

/** A failure to reach the provider or a connection dropped, as fetch and the SDKs report it. */
export function isNetworkError(error: unknown): boolean {
  for (let e = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && NETWORK_CODES.test(e.code)) return true
    if (typeof e.name === 'string' && /Connection|Network|Socket/.test(e.name)) return true
    if (typeof e.message === 'string' && NETWORK_WORDS.test(e.message)) return true
  }
  return false
}

/** An SDK module that could not be loaded (the local emulator can rebuild a function's folder under a running call). */
export function isModuleLoadError(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') return true
    if (typeof e.message === 'string' && /Cannot find (module|package)/.test(e.message)) return true
  }
  return false
}
