/**
 * The one error type domain code throws for a failure the caller should see: a code from the REST
 * contract and a sentence a person can act on. Domain code never picks an HTTP status; the edge
 * (`http.ts`) maps each code to its status.
 */
import type { ApiErrorCode } from '../shared/types.ts'

export class AppError extends Error {
  readonly code: ApiErrorCode
  /** Seconds the caller should wait before trying again (`rate_limited`, some `conflict`s). */
  readonly retryAfterSeconds: number | undefined

  constructor(code: ApiErrorCode, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

export const isAppError = (error: unknown, code?: ApiErrorCode): error is AppError =>
  error instanceof AppError && (code === undefined || error.code === code)
