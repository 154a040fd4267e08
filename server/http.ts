/** The HTTP edge: JSON answers, security headers, and the one place that turns errors into responses. */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context } from '@netlify/functions'
import type { ApiErrorCode, ErrorDocument } from '../shared/types.ts'
import { describeError, log } from './log.ts'

/** A failure the caller should see as-is: its status, code and message. */
export class HttpError extends Error {
  readonly status: number
  readonly code: ApiErrorCode
  readonly headers: Record<string, string>

  constructor(status: number, code: ApiErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.code = code
    this.headers = headers
  }
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

export function errorResponse(error: unknown, context: Record<string, unknown> = {}): Response {
  if (error instanceof HttpError) {
    const body: ErrorDocument = { success: false, error: { code: error.code, message: error.message } }
    return json(body, error.status, error.headers)
  }
  log.error('internal_error', { ...context, error: describeError(error) })
  const body: ErrorDocument = { success: false, error: { code: 'internal', message: 'Something went wrong on our side. Try again.' } }
  return json(body, 500)
}

export type Handler = (req: Request, context: Context) => Promise<Response>

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * With `AI_CHAT_ACCESS_TOKEN` set, every /api route wants `Authorization: Bearer <token>`.
 * Compared as SHA-256 digests in constant time, so neither the token nor its length leaks through timing.
 */
export function checkAccess(req: Request, token = process.env.AI_CHAT_ACCESS_TOKEN?.trim()): void {
  if (!token) return
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]?.trim() ?? ''
  if (!timingSafeEqual(digest(given), digest(token))) {
    throw new HttpError(401, 'unauthorized', given ? 'The access token is not valid.' : 'This server needs an access token: send "Authorization: Bearer <token>".', {
      'www-authenticate': 'Bearer realm="ai-gateway-chat"',
    })
  }
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
      return errorResponse(new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here. Use ${methods.join(' or ')}.`, { allow }))
    }
    try {
      checkAccess(req)
      return await handler(req, context)
    } catch (error) {
      return errorResponse(error, { method: req.method, path: new URL(req.url).pathname })
    }
  }
}

/** Reads a body of at most `maxBytes`, refusing larger ones before parsing them. */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new HttpError(413, 'payload_too_large', `The body is larger than ${Math.round(maxBytes / 1024)} KiB.`)
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
  const invalid = () => new HttpError(400, 'invalid_json', 'The body must be JSON, for example {"message": "Hello"}.')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    throw invalid()
  }
  if (text.trim() === '') throw invalid()
  try {
    return JSON.parse(text)
  } catch {
    throw invalid()
  }
}
