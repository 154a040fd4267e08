/** The HTTP edge: JSON answers, security headers, and the one place that turns errors into responses. */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context } from '@netlify/functions'
import type { ApiErrorCode, ErrorDocument } from '../shared/types.ts'
import { AppError } from './errors.ts'
import { describeError, log } from './log.ts'

/** The HTTP status of each error code of the contract. */
export const STATUS_OF: Readonly<Record<ApiErrorCode, number>> = {
  invalid_json: 400,
  invalid_request: 400,
  unknown_provider: 400,
  provider_not_configured: 400,
  model_not_allowed: 400,
  invalid_id: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  expired: 410,
  payload_too_large: 413,
  idempotency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
}

/** Headers on every function response (netlify.toml `[[headers]]` do not reach functions). */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...API_HEADERS, ...headers },
  })
}

/** An error's response headers: `Retry-After`, and a challenge for 401. */
function errorHeaders(error: AppError, extra: Record<string, string>): Record<string, string> {
  return {
    ...(error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {}),
    ...(error.code === 'unauthorized' ? { 'www-authenticate': 'Bearer realm="ai-gateway-chat"' } : {}),
    ...extra,
  }
}

export function errorResponse(error: unknown, context: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  if (error instanceof AppError) {
    const body: ErrorDocument = { success: false, error: { code: error.code, message: error.message } }
    return json(body, STATUS_OF[error.code], errorHeaders(error, headers))
  }
  log.error('internal_error', { ...context, error: describeError(error) })
  const body: ErrorDocument = { success: false, error: { code: 'internal', message: 'Something went wrong on our side. Try again.' } }
  return json(body, 500)
}

export type Handler = (req: Request, context: Context) => Promise<Response>

const digest = (value: string) => createHash('sha256').update(value).digest()

/** True when the request carries the access token, or none is configured. */
export function hasAccess(req: Request, token = process.env.AI_CHAT_ACCESS_TOKEN?.trim()): boolean {
  if (!token) return true
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]?.trim() ?? ''
  return timingSafeEqual(digest(given), digest(token))
}

/**
 * With `AI_CHAT_ACCESS_TOKEN` set, every /api route wants `Authorization: Bearer <token>`.
 * Compared as SHA-256 digests in constant time, so neither the token nor its length leaks through timing.
 */
export function checkAccess(req: Request, token = process.env.AI_CHAT_ACCESS_TOKEN?.trim()): void {
  if (hasAccess(req, token)) return
  const given = /^Bearer\s+/i.test(req.headers.get('authorization') ?? '')
  throw new AppError('unauthorized', given ? 'The access token is not valid.' : 'This server needs an access token: send "Authorization: Bearer <token>".')
}

/**
 * Wraps an /api function's handler: answers OPTIONS and wrong methods itself (405 JSON with `Allow`;
 * a method filtered out by `config.method` would never reach us and the caller would get a bare 404),
 * checks the optional access token, and maps every thrown error through `errorResponse`.
 */
export function route(methods: readonly string[], handler: Handler): Handler {
  const allow = [...methods, 'OPTIONS'].join(', ')
  return async (req, context) => {
    if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: { ...API_HEADERS, allow } })
    if (!methods.includes(req.method)) {
      return errorResponse(new AppError('method_not_allowed', `${req.method} is not allowed here. Use ${methods.join(' or ')}.`), {}, { allow })
    }
    try {
      checkAccess(req)
      return await handler(req, context)
    } catch (error) {
      return errorResponse(error, { method: req.method, path: new URL(req.url).pathname })
    }
  }
}

/** Reads a body of at most `maxBytes`, refusing larger ones before parsing them. `empty` is what an empty body means (default: an error). */
export async function readJsonBody(req: Request, maxBytes: number, empty?: unknown): Promise<unknown> {
  const tooLarge = () => new AppError('payload_too_large', `The body is larger than ${Math.round(maxBytes / 1024)} KiB.`)
  const declared = Number(req.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge()

  const chunks: Uint8Array[] = []
  let size = 0
  if (req.body) {
    const reader = req.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined)
        throw tooLarge()
      }
      chunks.push(value)
    }
  }
  const invalid = () => new AppError('invalid_json', 'The body must be JSON, for example {"message": "Hello"}.')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    throw invalid()
  }
  if (text.trim() === '') {
    if (empty !== undefined) return empty
    throw invalid()
  }
  try {
    return JSON.parse(text)
  } catch {
    throw invalid()
  }
}

/** A route parameter Netlify passed (`config.path` named groups), URL-decoded; the caller validates it. */
export function param(context: Pick<Context, 'params'>, name: string): string | undefined {
  const value = context.params?.[name]
  if (value === undefined) return undefined
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
