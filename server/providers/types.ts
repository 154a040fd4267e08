/** The one contract every provider adapter implements. */
import type { FinishReason, ProviderErrorCode, Usage } from '../../shared/types.ts'
import type { ChatRecord } from '../records.ts'
import type { ProviderDefinition } from './registry.ts'

/** One message of a conversation as a participant sees it: the user's, or its own earlier answer. */
export interface ChatMessage {
  role: 'user' | 'assistant'
  content: string
}

/** What one participant is asked (its stored parameters and its own history). */
export interface ProviderCall {
  model: string
  /** Alternating user / assistant messages, starting and ending with the user's. */
  messages: ChatMessage[]
  system?: string
  temperature?: number
  maxTokens: number
}

export type StreamEvent =
  | { type: 'text'; text: string }
  /** The model that actually serves the answer, as the API names it. */
  | { type: 'model'; model: string }
  /** `usage` is absent when the API sent none (never invented). */
  | { type: 'finish'; finishReason: FinishReason; usage?: Usage }

export interface ProviderAdapter {
  readonly id: string
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

/** Makes the adapter that answers one participant's provider in one chat. */
export type AdapterFactory = (provider: ProviderDefinition, chat: ChatRecord) => ProviderAdapter

/** How the demo mode imitates a provider kind: its pace and the body of its answers. */
export interface DemoStyle {
  /** Time to first token. */
  firstTokenMs: number
  /** Between chunks. */
  chunkMs: number
  /** Words per chunk. */
  wordsPerChunk: [min: number, max: number]
  /** The Markdown body of a simulated answer (after a shared intro). `variant` differs per model. */
  body(context: { label: string; keyEnv: string; variant: number }): string
}
