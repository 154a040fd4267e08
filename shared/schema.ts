/**
 * The REST contract, described once: request bodies, response documents and errors as zod schemas.
 *
 * Three things come from here: the TypeScript types (`shared/types.ts`, used by the functions, the
 * page and the CLI's tests), the server's validation of request bodies (`server/validate.ts` adds
 * what depends on settings: limits, configured providers, allow-lists), and the OpenAPI 3.1
 * document (`server/openapi.ts`, served at `/api/openapi.json`). The page imports types only, so
 * zod never reaches its bundle.
 *
 * Contracts are additive: a field, once documented, keeps its meaning; new fields are optional for
 * clients to read.
 */
import { z } from 'zod'
import { CHAT_ID_PATTERN, PARTICIPANT_ID_PATTERN, PROVIDER_ID_PATTERN } from './ids.ts'

const Timestamp = z.iso.datetime().meta({ description: 'ISO-8601 UTC timestamp.' })
const ChatId = z.string().regex(CHAT_ID_PATTERN).meta({ description: 'A chat id: a lowercase v4 UUID.', examples: ['3f0c2a9e-5d1b-4c7a-9e2f-8a6b4c3d2e1f'] })
const ParticipantId = z.string().regex(PARTICIPANT_ID_PATTERN).meta({ description: 'A participant id, unique within the chat.', examples: ['openai', 'openai-2'] })
const ProviderId = z.string().regex(PROVIDER_ID_PATTERN).meta({ description: 'A provider id: openai, anthropic, gemini, or an OpenAI-compatible provider configured on the server.', examples: ['openai', 'ollama'] })

// ─── Requests ────────────────────────────────────────────────────────────────────────────────────

// The server words its own messages for every issue (server/validate.ts), so none are given here.
const Temperature = z.number().min(0).max(2)
const MaxTokens = z.int().min(1)

/** One model in a chat, as the client asks for it. */
export const ParticipantInputSchema = z
  .strictObject({
    provider: z.string().meta({ description: 'Provider id (see `/api/ai/models`).' }),
    model: z.string().optional().meta({ description: "Model id; default: the provider's default model." }),
    id: z.string().optional().meta({ description: 'Participant id (`^[a-z0-9][a-z0-9-]{0,31}$`); default: the provider id, then `<provider>-2`, `<provider>-3`… for repeats.' }),
    system: z.string().optional().meta({ description: 'System prompt for this participant only (overrides the chat-level one).' }),
    temperature: Temperature.optional(),
    maxTokens: MaxTokens.optional(),
  })
  .meta({ id: 'ParticipantInput' })

/** `POST /api/ai/chat`. */
export const ChatInputSchema = z
  .strictObject({
    message: z.string().meta({ description: 'The prompt (at most `limits.maxMessageChars` characters).' }),
    models: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'One participant per provider: `{ "<provider>": "<model>" }`, shown in catalogue order. Not with `participants`.' }),
    participants: z.array(ParticipantInputSchema).optional().meta({ description: 'The models to compare, in display order (1 to `limits.maxParticipants`). Not with `models`.' }),
    system: z.string().optional().meta({ description: 'System prompt for every participant.' }),
    temperature: Temperature.optional().meta({ description: 'Sampling temperature for every participant (0-2; lowered or left out where an API accepts less).' }),
    maxTokens: MaxTokens.optional().meta({ description: 'Output token cap for every participant (capped at `limits.maxOutputTokens`).' }),
  })
  .meta({ id: 'ChatInput', examples: [{ message: 'Explain idempotency in two sentences.' }] })

/** `POST /api/ai/chat/<id>/messages`. */
export const MessageInputSchema = z
  .strictObject({
    message: z.string(),
    participants: z.array(z.string()).optional().meta({ description: "Participant ids that take this turn; default: all of the chat's participants." }),
  })
  .meta({ id: 'MessageInput', examples: [{ message: 'Now in one sentence.' }] })

/** `POST /api/ai/chat/<id>/cancel` (the body is optional). */
export const CancelInputSchema = z
  .strictObject({ participant: z.string().optional().meta({ description: 'Stop only this participant; default: all.' }) })
  .meta({ id: 'CancelInput' })

/** `POST /api/ai/chat/<id>/retry`. */
export const RetryInputSchema = z
  .strictObject({
    participant: z.string().optional(),
    provider: z.string().optional().meta({ description: 'Accepted when exactly one participant uses this provider.' }),
  })
  .meta({ id: 'RetryInput', examples: [{ participant: 'anthropic' }] })

/** `POST /api/ai/chat/<id>/turns/<n>/pick`. */
export const PickInputSchema = z.strictObject({ participant: z.string() }).meta({ id: 'PickInput', examples: [{ participant: 'openai' }] })

// ─── Results ─────────────────────────────────────────────────────────────────────────────────────

export const ResultStatusSchema = z.enum(['queued', 'streaming', 'done', 'error', 'cancelled']).meta({
  id: 'ResultStatus',
  description: '`queued`, then `streaming` from the first token, then `done`, `error` or `cancelled` (final).',
})
export const ChatStatusSchema = z.enum(['pending', 'processing', 'completed', 'failed']).meta({
  id: 'ChatStatus',
  description: '`pending` while every participant is queued, `processing` once one is not, `completed` when all are final and one is done, else `failed`.',
})
export const FinishReasonSchema = z.enum(['stop', 'length', 'content_filter', 'other']).meta({ id: 'FinishReason' })
export const ProviderErrorCodeSchema = z
  .enum(['auth', 'rate_limited', 'overloaded', 'timeout', 'bad_request', 'upstream', 'network', 'stream_interrupted', 'content_filtered', 'stalled', 'internal'])
  .meta({ id: 'ProviderErrorCode' })

export const ResultErrorSchema = z.object({ code: ProviderErrorCodeSchema, message: z.string(), retryable: z.boolean() }).meta({ id: 'ResultError' })
export const UsageSchema = z.object({ inputTokens: z.int().min(0), outputTokens: z.int().min(0) }).meta({ id: 'Usage' })
export const TimingsSchema = z
  .object({ queuedAt: Timestamp, startedAt: Timestamp.optional(), firstTokenAt: Timestamp.optional(), finishedAt: Timestamp.optional() })
  .meta({ id: 'Timings' })

export const CostSchema = z
  .object({
    inputUsd: z.number(),
    outputUsd: z.number(),
    totalUsd: z.number(),
    pricedAt: z.string().optional().meta({ description: 'Date of the price used (absent for prices from `AI_CHAT_PRICES`).' }),
  })
  .meta({ id: 'Cost', description: 'What the answer cost, from its usage and the price of the requested model.' })

/** One participant's answer in one turn, as its result blob holds it. */
export const ResultSchema = z
  .object({
    status: ResultStatusSchema,
    ok: z.boolean(),
    text: z.string(),
    provider: ProviderId,
    model: z.string().meta({ description: 'The model that served the answer (as the API reports it), or the requested one until it does.' }),
    attempt: z.int().min(1).meta({ description: '1 for the first run of this participant in this turn, then one more per retry.' }),
    finishReason: FinishReasonSchema.optional(),
    error: ResultErrorSchema.optional(),
    usage: UsageSchema.optional(),
    timings: TimingsSchema,
    attempts: z.int().min(0).optional().meta({ description: 'Calls made within this attempt (transient failures before the first byte are retried).' }),
    updatedAt: Timestamp.optional(),
    demo: z.boolean().optional().meta({ description: 'Simulated by the demo provider, not a model.' }),
    cost: CostSchema.nullable().optional().meta({ description: '`null` when the model has no known price or there is no usage.' }),
    truncated: z.boolean().optional().meta({ description: 'The answer reached `AI_CHAT_MAX_ANSWER_CHARS` and was stopped there.' }),
  })
  .meta({ id: 'Result' })

export const ParamsSchema = z
  .object({
    model: z.string(),
    system: z.string().optional(),
    temperature: z.number().optional().meta({ description: 'Absent when the model takes no temperature (see `notes`).' }),
    maxTokens: z.int(),
    notes: z.array(z.string()).optional().meta({ description: 'Why a parameter differs from what the client asked for.' }),
  })
  .meta({ id: 'Params', description: 'What a participant is actually sent.' })

export const ParticipantSchema = z
  .object({ id: ParticipantId, provider: ProviderId, model: z.string(), label: z.string().optional(), params: ParamsSchema })
  .meta({ id: 'Participant' })

export const TurnSchema = z
  .object({
    turn: z.int().min(1),
    message: z.string(),
    createdAt: Timestamp,
    status: ChatStatusSchema,
    completedAt: Timestamp.nullable(),
    pick: ParticipantId.nullable().meta({ description: "The participant whose answer the user picked as best, or null." }),
    participants: z.array(ParticipantId).optional().meta({ description: 'Who took this turn, in display order.' }),
    totalCostUsd: z.number().nullable().optional(),
    results: z.record(z.string(), ResultSchema).optional().meta({ description: 'Keyed by participant id. Left out for earlier turns with `?turns=latest`.' }),
  })
  .meta({ id: 'Turn' })

export const RequestSummarySchema = z
  .object({ message: z.string(), system: z.string().optional(), temperature: z.number().optional(), maxTokens: z.int() })
  .meta({ id: 'RequestSummary', description: "The chat's creation request." })

/** `GET /api/ai/chat/<id>`. */
export const StatusDocumentSchema = z
  .object({
    success: z.literal(true),
    chatId: ChatId,
    status: ChatStatusSchema.meta({ description: 'Of the latest turn.' }),
    results: z.record(z.string(), ResultSchema).meta({ description: "The latest turn's results, keyed by participant id, in participant order." }),
    request: RequestSummarySchema,
    demo: z.boolean(),
    createdAt: Timestamp,
    completedAt: Timestamp.nullable().meta({ description: 'When the latest turn finished, or null while it runs.' }),
    expiresAt: Timestamp.meta({ description: '`AI_CHAT_TTL_SECONDS` after the latest turn (a running chat never expires).' }),
    version: z.string().meta({ description: 'Changes whenever the document changes; send it back as `since` to wait for the next change.' }),
    participants: z.array(ParticipantSchema).optional(),
    totalCostUsd: z.number().nullable().optional().meta({ description: 'The sum of every priced result shown, over every turn, or null when none is priced.' }),
    turns: z.array(TurnSchema).optional(),
  })
  .meta({ id: 'StatusDocument' })

// ─── Other answers ───────────────────────────────────────────────────────────────────────────────

export const AcceptedSchema = z
  .object({ success: z.literal(true), chatId: ChatId, status: z.literal('pending'), statusUrl: z.string() })
  .meta({ id: 'Accepted' })

export const TurnAcceptedSchema = z
  .object({ success: z.literal(true), chatId: ChatId, turn: z.int().min(2), statusUrl: z.string() })
  .meta({ id: 'TurnAccepted' })

export const CancelAnswerSchema = z
  .object({
    success: z.literal(true),
    chatId: ChatId,
    status: ChatStatusSchema,
    cancelled: z.array(ParticipantId).meta({ description: 'The participants asked to stop. One that finishes first still ends `done`.' }),
    message: z.string().optional(),
  })
  .meta({ id: 'CancelAnswer' })

export const RetryAnswerSchema = z
  .object({
    success: z.literal(true),
    chatId: ChatId,
    participant: ParticipantId,
    provider: ProviderId,
    turn: z.int().min(1).optional(),
    attempt: z.int().min(2),
    statusUrl: z.string(),
  })
  .meta({ id: 'RetryAnswer' })

export const PickAnswerSchema = z
  .object({ success: z.literal(true), chatId: ChatId, turn: z.int().min(1), pick: ParticipantId.nullable() })
  .meta({ id: 'PickAnswer' })

export const LimitsSchema = z
  .object({
    maxParticipants: z.int(),
    maxMessageChars: z.int(),
    maxOutputTokens: z.int(),
    maxTurns: z.int().optional(),
    maxAnswerChars: z.int().optional(),
  })
  .meta({ id: 'Limits' })

export const ModelsDocumentSchema = z
  .object({
    success: z.literal(true),
    demo: z.boolean(),
    providers: z.array(
      z
        .object({
          id: ProviderId,
          label: z.string(),
          configured: z.boolean(),
          reason: z.string().optional().meta({ description: 'Why the provider cannot be used, e.g. "no OPENAI_API_KEY".' }),
          defaultModel: z.string(),
          models: z.array(z.string()),
          compatible: z.literal('openai').optional().meta({ description: 'An OpenAI-compatible provider configured by `AI_CHAT_COMPAT_<NAME>_*`.' }),
        })
        .meta({ id: 'Provider' }),
    ),
    limits: LimitsSchema.optional(),
  })
  .meta({ id: 'ModelsDocument' })

export const HealthSchema = z.object({ success: z.literal(true) }).meta({ id: 'Health' })

export const API_ERROR_CODES = [
  'invalid_json',
  'invalid_request',
  'unknown_provider',
  'provider_not_configured',
  'model_not_allowed',
  'invalid_id',
  'payload_too_large',
  'unauthorized',
  'not_found',
  'method_not_allowed',
  'conflict',
  'expired',
  'idempotency_mismatch',
  'rate_limited',
  'internal',
] as const

export const ErrorDocumentSchema = z
  .object({
    success: z.literal(false),
    error: z.object({ code: z.enum(API_ERROR_CODES), message: z.string().meta({ description: 'Written for a person.' }) }),
  })
  .meta({ id: 'Error', examples: [{ success: false, error: { code: 'invalid_request', message: 'Unknown field "model". Did you mean "models"?' } }] })
