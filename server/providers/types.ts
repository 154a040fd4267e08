/** The one contract every provider adapter implements. */
import type { ProviderId } from '../../shared/catalogue.ts'
import type { ChatRecord } from '../../shared/types.ts'
import type { FinishReason, ProviderErrorCode, Usage } from '../../shared/types.ts'

/** What one provider is asked (the chat's stored parameters for it). */
export interface ProviderCall {
  model: string
  message: string
  system?: string
  temperature?: number
  maxTokens: number
}

export type StreamEvent =
  | { type: 'text'; text: string }
  /** The model that actually serves the answer, as the API names it. */
  | { type: 'model'; model: string }
  | { type: 'finish'; finishReason: FinishReason; usage?: Usage }

export interface ProviderAdapter {
  readonly id: ProviderId
  /**
   * Streams one answer. Ends with a `finish` event; a stream that ends without one was cut.
   * Aborting `signal` stops the call; the adapter then throws the signal's reason.
   */
  stream(call: ProviderCall, options: { signal: AbortSignal }): AsyncIterable<StreamEvent>
}

/** The one error type that crosses the provider boundary. */
export class ProviderError extends Error {
  readonly code: ProviderErrorCode
  readonly retryable: boolean
  readonly status: number | undefined
  /** From `Retry-After`, when the API sent one. */
  readonly retryAfterMs: number | undefined

  constructor(code: ProviderErrorCode, message: string, retryable: boolean, status?: number, retryAfterMs?: number) {
    super(message)
    this.name = 'ProviderError'
    this.code = code
    this.retryable = retryable
    this.status = status
    this.retryAfterMs = retryAfterMs
  }
}

/** Makes the adapter that answers one provider of one chat. */
export type AdapterFactory = (provider: ProviderId, chat: ChatRecord) => ProviderAdapter
