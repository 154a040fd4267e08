/** The REST contract shared by the functions, the page and curl users. Timestamps are ISO-8601 UTC. */
import type { ProviderId } from './catalogue.ts'

export type { ProviderId } from './catalogue.ts'

/** A provider's state in one chat. `done`, `error` and `cancelled` are final. */
export type ResultStatus = 'queued' | 'streaming' | 'done' | 'error' | 'cancelled'

/** `pending` while every provider is queued; `completed` when all are final and one is done; else `failed`. */
export type ChatStatus = 'pending' | 'processing' | 'completed' | 'failed'

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'other'

export type ProviderErrorCode =
  | 'auth'
  | 'rate_limited'
  | 'overloaded'
  | 'timeout'
  | 'bad_request'
  | 'upstream'
  | 'network'
  | 'stream_interrupted'
  | 'content_filtered'
  | 'stalled'
  | 'internal'

export interface ResultError {
  code: ProviderErrorCode
  message: string
  retryable: boolean
}

export interface Usage {
  inputTokens: number
  outputTokens: number
}

export interface ResultTimings {
  queuedAt: string
  startedAt?: string
  firstTokenAt?: string
  finishedAt?: string
}

/** One provider's answer, as its result blob holds it and the status endpoint returns it. */
export interface ProviderResult {
  status: ResultStatus
  ok: boolean
  text: string
  /** The model that served the answer (as the API reports it), or the requested one until it does. */
  model: string
  /** 1 for the chat's first run of this provider, then one more per retry. */
  attempt: number
  finishReason?: FinishReason
  error?: ResultError
  usage?: Usage
  timings: ResultTimings
  /**
   * Calls made to the provider within this attempt: transient failures (429, 5xx, 529, network)
   * before the first byte are retried with backoff, so this can be more than 1.
   */
  attempts?: number
  /** Last write of the running provider; a running result is rewritten at least every 10 s. */
  updatedAt?: string
  /** Simulated by the demo provider, not a model's answer. */
  demo?: boolean
}

/** What each provider is actually sent. */
export interface ProviderParams {
  model: string
  system?: string
  /** Absent when the model accepts no temperature (see `notes`). */
  temperature?: number
  maxTokens: number
  /** Why a parameter differs from what the client asked for. */
  notes?: string[]
}

/** The body of `POST /api/ai/chat`. */
export interface ChatInput {
  message: string
  models?: Partial<Record<ProviderId, string>>
  system?: string
  temperature?: number
  maxTokens?: number
}

export interface ChatRequestSummary {
  message: string
  system?: string
  temperature?: number
  maxTokens: number
}

/** `GET /api/ai/chat/<id>`. */
export interface StatusDocument {
  success: true
  chatId: string
  status: ChatStatus
  /** Keyed by provider id, in catalogue order, one entry per requested provider. */
  results: Partial<Record<ProviderId, ProviderResult>>
  request: ChatRequestSummary
  demo: boolean
  createdAt: string
  completedAt: string | null
  expiresAt: string
  /** Changes whenever any result changes; send it back as `since` to wait for the next change. */
  version: string
}

/** `POST /api/ai/chat` (background mode). */
export interface AcceptedDocument {
  success: true
  chatId: string
  status: 'pending'
  statusUrl: string
}

export interface ModelsDocument {
  success: true
  demo: boolean
  providers: Array<{
    id: ProviderId
    label: string
    configured: boolean
    /** Why an unconfigured provider cannot be used, e.g. "no OPENAI_API_KEY". */
    reason?: string
    defaultModel: string
    models: string[]
  }>
}

export type ApiErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unknown_provider'
  | 'provider_not_configured'
  | 'model_not_allowed'
  | 'invalid_id'
  | 'payload_too_large'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'expired'
  | 'rate_limited'
  | 'internal'

export interface ErrorDocument {
  success: false
  error: { code: ApiErrorCode; message: string }
}

export const FINAL_STATUSES: readonly ResultStatus[] = ['done', 'error', 'cancelled']

export function isFinal(status: ResultStatus): boolean {
  return FINAL_STATUSES.includes(status)
}

/** The chat blob (`chats/<id>/request`): written once by the POST, read by everything else. */
export interface ChatRecord {
  chatId: string
  createdAt: string
  expiresAt: string
  /** Answered by the simulated providers. */
  demo: boolean
  /** How the POST ran it: `background` (202 + polling) or `sync` (the rollback path). */
  mode: 'background' | 'sync'
  message: string
  system?: string
  temperature?: number
  maxTokens: number
  /** Requested providers, in catalogue order. */
  providers: ProviderId[]
  /** What each requested provider is sent. */
  params: Partial<Record<ProviderId, ProviderParams>>
}
