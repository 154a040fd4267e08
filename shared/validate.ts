/** Validation of `POST /api/ai/chat` bodies: every rule and the exact sentence a caller gets back. */
import { allowedModels, isProviderId, PROVIDER_IDS, PROVIDERS, type Env, type ProviderId } from './catalogue.ts'
import type { ApiErrorCode } from './types.ts'

export interface ValidationLimits {
  /** Longest message (and system prompt), in characters (code points). */
  maxMessageChars: number
  /** Server-side cap on output tokens; larger requests are lowered to it. */
  maxOutputTokens: number
}

export interface ValidationContext extends ValidationLimits {
  env: Env
  /** Providers that can be called (all of them in demo mode). */
  configured: readonly ProviderId[]
}

/** A request that passed validation: the providers to call, each with its model. */
export interface ValidChatInput {
  message: string
  system?: string
  temperature?: number
  maxTokens?: number
  models: Partial<Record<ProviderId, string>>
}

export interface ValidationFailure {
  status: 400 | 413
  code: ApiErrorCode
  message: string
}

export type ValidationResult = { ok: true; value: ValidChatInput } | ({ ok: false } & ValidationFailure)

const FIELDS = ['message', 'models', 'system', 'temperature', 'maxTokens'] as const
const SUGGESTIONS: Record<string, string> = {
  model: 'models',
  prompt: 'message',
  max_tokens: 'maxTokens',
  maxtokens: 'maxTokens',
  systemprompt: 'system',
  system_prompt: 'system',
}

function fail(code: ApiErrorCode, message: string, status: 400 | 413 = 400): ValidationResult {
  return { ok: false, status, code, message }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Length in characters as a person counts them (code points), not UTF-16 units. */
export function charCount(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

export function validateChatInput(body: unknown, context: ValidationContext): ValidationResult {
  if (!isPlainObject(body)) return fail('invalid_request', 'The body must be a JSON object such as {"message": "Hello"}.')

  for (const field of Object.keys(body)) {
    if ((FIELDS as readonly string[]).includes(field)) continue
    const suggestion = SUGGESTIONS[field.toLowerCase()]
    const hint = suggestion ? ` Did you mean "${suggestion}"?` : ` Allowed fields: ${FIELDS.join(', ')}.`
    return fail('invalid_request', `Unknown field "${field.slice(0, 60)}".${hint}`)
  }

  const { message, models, system, temperature, maxTokens } = body
  if (typeof message !== 'string') return fail('invalid_request', '"message" is required and must be a string.')
  if (message.trim() === '') return fail('invalid_request', '"message" must not be empty.')
  if (!message.isWellFormed()) return fail('invalid_request', '"message" contains invalid Unicode (an unpaired surrogate).')
  if (charCount(message) > context.maxMessageChars) {
    return fail('payload_too_large', `"message" is longer than ${context.maxMessageChars} characters.`, 413)
  }

  if (system !== undefined) {
    if (typeof system !== 'string') return fail('invalid_request', '"system" must be a string.')
    if (!system.isWellFormed()) return fail('invalid_request', '"system" contains invalid Unicode (an unpaired surrogate).')
    if (charCount(system) > context.maxMessageChars) {
      return fail('payload_too_large', `"system" is longer than ${context.maxMessageChars} characters.`, 413)
    }
  }

  if (temperature !== undefined) {
    if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0 || temperature > 2) {
      return fail('invalid_request', '"temperature" must be a number from 0 to 2.')
    }
  }

  if (maxTokens !== undefined) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      return fail('invalid_request', '"maxTokens" must be a whole number of at least 1.')
    }
  }

  const chosen: Partial<Record<ProviderId, string>> = {}
  if (models === undefined) {
    for (const id of context.configured) chosen[id] = allowedModels(id, context.env)[0]!
    if (Object.keys(chosen).length === 0) return fail('provider_not_configured', 'No provider is configured.')
  } else {
    if (!isPlainObject(models)) {
      return fail('invalid_request', '"models" must be an object such as {"openai": "gpt-5-mini"}.')
    }
    const entries = Object.entries(models)
    if (entries.length === 0) {
      return fail('invalid_request', `"models" must name at least one provider (${PROVIDER_IDS.join(', ')}), or be left out to ask every configured provider.`)
    }
    for (const [id, model] of entries) {
      if (!isProviderId(id)) {
        return fail('unknown_provider', `Unknown provider "${id.slice(0, 40)}". Known providers: ${PROVIDER_IDS.join(', ')}.`)
      }
      if (typeof model !== 'string' || model.trim() === '') {
        return fail('invalid_request', `"models.${id}" must be a model name such as "${allowedModels(id, context.env)[0]}".`)
      }
      if (!context.configured.includes(id)) {
        const keys = PROVIDERS[id].keyEnv.join(' or ')
        return fail('provider_not_configured', `${PROVIDERS[id].label} is not configured on this server (no ${keys}).`)
      }
      const allowed = allowedModels(id, context.env)
      if (!allowed.includes(model)) {
        return fail('model_not_allowed', `"${model.slice(0, 80)}" is not an allowed ${PROVIDERS[id].label} model. Allowed: ${allowed.join(', ')}.`)
      }
    }
    // Catalogue order, whatever order the client wrote.
    for (const id of PROVIDER_IDS) if (typeof models[id] === 'string') chosen[id] = models[id]
  }

  return {
    ok: true,
    value: {
      message,
      models: chosen,
      ...(system !== undefined ? { system } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
    },
  }
}
