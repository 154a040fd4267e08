/**
 * The REST contract's TypeScript types, inferred from the schemas in `schema.ts` (type-only imports:
 * nothing of zod reaches a bundle that imports these). Timestamps are ISO-8601 UTC strings.
 */
import type { z } from 'zod'
import type {
  AcceptedSchema,
  API_ERROR_CODES,
  CancelAnswerSchema,
  ChatInputSchema,
  ChatStatusSchema,
  CostSchema,
  ErrorDocumentSchema,
  FinishReasonSchema,
  LimitsSchema,
  MessageInputSchema,
  ModelsDocumentSchema,
  ParamsSchema,
  ParticipantInputSchema,
  ParticipantSchema,
  PickAnswerSchema,
  ProviderErrorCodeSchema,
  ResultErrorSchema,
  ResultSchema,
  ResultStatusSchema,
  RetryAnswerSchema,
  StatusDocumentSchema,
  TimingsSchema,
  TurnAcceptedSchema,
  TurnSchema,
  UsageSchema,
} from './schema.ts'

/** A provider's id: a built-in (`openai`, `anthropic`, `gemini`) or a configured OpenAI-compatible one. */
export type ProviderId = string
/** A participant's id within a chat (`^[a-z0-9][a-z0-9-]{0,31}$`). */
export type ParticipantId = string

export type ResultStatus = z.infer<typeof ResultStatusSchema>
export type ChatStatus = z.infer<typeof ChatStatusSchema>
export type FinishReason = z.infer<typeof FinishReasonSchema>
export type ProviderErrorCode = z.infer<typeof ProviderErrorCodeSchema>
export type ResultError = z.infer<typeof ResultErrorSchema>
export type Usage = z.infer<typeof UsageSchema>
export type ResultTimings = z.infer<typeof TimingsSchema>
export type Cost = z.infer<typeof CostSchema>
/** One participant's answer in one turn. */
export type ProviderResult = z.infer<typeof ResultSchema>
/** What a participant is actually sent. */
export type ProviderParams = z.infer<typeof ParamsSchema>
export type Participant = z.infer<typeof ParticipantSchema>
export type Turn = z.infer<typeof TurnSchema>
export type Limits = z.infer<typeof LimitsSchema>

export type ParticipantInput = z.input<typeof ParticipantInputSchema>
export type ChatInput = z.input<typeof ChatInputSchema>
export type MessageInput = z.input<typeof MessageInputSchema>

export type StatusDocument = z.infer<typeof StatusDocumentSchema>
export type AcceptedDocument = z.infer<typeof AcceptedSchema>
export type TurnAccepted = z.infer<typeof TurnAcceptedSchema>
export type CancelAnswer = z.infer<typeof CancelAnswerSchema>
export type RetryAnswer = z.infer<typeof RetryAnswerSchema>
export type PickAnswer = z.infer<typeof PickAnswerSchema>
export type ModelsDocument = z.infer<typeof ModelsDocumentSchema>
export type ProviderInfoDocument = ModelsDocument['providers'][number]
export type ApiErrorCode = (typeof API_ERROR_CODES)[number]
export type ErrorDocument = z.infer<typeof ErrorDocumentSchema>

export const FINAL_STATUSES: readonly ResultStatus[] = ['done', 'error', 'cancelled']

export function isFinal(status: ResultStatus): boolean {
  return FINAL_STATUSES.includes(status)
}
