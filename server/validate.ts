/**
 * Validation of request bodies. The shapes come from the contract's zod schemas (shared/schema.ts),
 * compiled ahead of time into plain validation code (server/generated/request-validators.ts, made by
 * `npm run schema`), so no function loads a schema library; what depends on this server (limits,
 * configured providers, allow-lists, id rules) is checked here. Every failure is an `AppError` whose
 * message is a sentence the caller can act on, naming the field or the id at fault. Nothing here
 * writes anything.
 */
import type { z } from 'zod'
import type { CancelInputSchema, ChatInputSchema, MessageInputSchema, PickInputSchema, RetryInputSchema } from '../shared/schema.ts'
import { AppError } from './errors.ts'
import * as validators from './generated/request-validators.ts'
import { isParticipantId } from './keys.ts'
import type { ProviderDefinition } from './providers/registry.ts'
import { providerById, type Settings } from './settings.ts'

/** One participant as the chat will run it: id and model resolved, overrides as asked. */
export interface ParticipantSpec {
  id: string
  provider: string
  model: string
  system?: string
  temperature?: number
  maxTokens?: number
}

/** A `POST /api/ai/chat` body that passed validation. */
export interface ValidChatInput {
  message: string
  system?: string
  temperature?: number
  maxTokens?: number
  /** In display order. */
  participants: ParticipantSpec[]
}

/** Common misspellings, per object: a null-prototype map, so `__proto__` or `constructor` suggest nothing. */
const SUGGESTIONS = new Map<string, string>([
  ['model', 'models'],
  ['prompt', 'message'],
  ['max_tokens', 'maxTokens'],
  ['maxtokens', 'maxTokens'],
  ['systemprompt', 'system'],
  ['system_prompt', 'system'],
  ['participant', 'participants'],
  ['temp', 'temperature'],
])
const PARTICIPANT_SUGGESTIONS = new Map<string, string>([
  ['models', 'model'],
  ['name', 'id'],
  ['max_tokens', 'maxTokens'],
  ['maxtokens', 'maxTokens'],
  ['system_prompt', 'system'],
  ['systemprompt', 'system'],
  ['temp', 'temperature'],
])

const PARTICIPANT_FIELDS = ['provider', 'model', 'id', 'system', 'temperature', 'maxTokens']

const fail = (message: string, code: 'invalid_request' | 'payload_too_large' = 'invalid_request') => new AppError(code, message)

/** Length in characters as a person counts them (code points), not UTF-16 units. */
export function charCount(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/** `["participants", 1, "temperature"]` → `"participants[1].temperature"` (quoted, as messages show fields). */
function fieldName(path: readonly PropertyKey[]): string {
  let name = ''
  for (const part of path) name += typeof part === 'number' ? `[${part}]` : name ? `.${String(part)}` : String(part)
  return `"${name}"`
}

/** One thing wrong with a body: a field it should not have, or a field that is missing or wrong. */
interface Issue {
  unknown: boolean
  /** Where: `["participants", 1, "temperature"]`; for an unknown field, the object holding it. */
  path: Array<string | number>
  /** The unknown field. */
  keys: string[]
}

interface ValidatorError {
  instancePath: string
  keyword: string
  params: { additionalProperty?: string; missingProperty?: string }
}

type Validator = ((data: unknown) => boolean) & { errors?: ValidatorError[] | null }

/** `/participants/0/provider` → `["participants", 0, "provider"]`. */
const pathOf = (pointer: string): Array<string | number> =>
  pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part))

function issueOf(error: ValidatorError): Issue {
  const path = pathOf(error.instancePath)
  if (error.keyword === 'additionalProperties') return { unknown: true, path, keys: [error.params.additionalProperty ?? ''] }
  if (error.keyword === 'required') return { unknown: false, path: [...path, error.params.missingProperty ?? ''], keys: [] }
  return { unknown: false, path, keys: [] }
}

function unknownField(issue: Issue, allowed: readonly string[], suggestions: Map<string, string>): AppError {
  const key = issue.keys[0] ?? ''
  const where = issue.path.length ? `${fieldName(issue.path).slice(0, -1)}.` : '"'
  const suggestion = suggestions.get(key.toLowerCase())
  const hint = suggestion ? ` Did you mean "${suggestion}"?` : ` Allowed fields: ${allowed.join(', ')}.`
  const shown = issue.path.length ? `${where}${key.slice(0, 60)}"` : `"${key.slice(0, 60)}"`
  return fail(`Unknown field ${shown}.${hint}`)
}

/** The sentence for one schema issue: which field, and what it must be. */
function issueMessage(issue: Issue, examples: Record<string, string>): AppError {
  const last = issue.path.at(-1)
  const field = fieldName(issue.path)
  const example = typeof last === 'string' ? examples[last] : undefined
  switch (last) {
    case 'message':
      return fail(`${field} is required and must be a string.`)
    case 'temperature':
      return fail(`${field} must be a number from 0 to 2.`)
    case 'maxTokens':
      return fail(`${field} must be a whole number of at least 1.`)
    case 'models':
      return fail('"models" must be an object such as {"openai": "gpt-5-mini"}.')
    case 'participants':
      return fail(`${field} must be a list such as [{"provider": "openai"}, {"provider": "anthropic", "model": "claude-haiku-4-5"}].`)
    case 'provider':
      return fail(`${field} is required and must be a provider id such as "openai".`)
    case 'participant':
      return fail(`${field} must be a participant id such as "openai" or "openai-2".`)
  }
  if (issue.path[0] === 'models' && typeof last === 'string') return fail(`${field} must be a model name such as "${examples.model ?? 'gpt-5-mini'}".`)
  if (issue.path[0] === 'participants' && typeof last === 'number') {
    return fail(`${field} must be ${issue.path.length === 2 ? 'an object such as {"provider": "openai", "model": "gpt-5-mini"}' : 'a participant id such as "openai"'}.`)
  }
  return fail(`${field} must be ${example ?? 'a string'}.`)
}

const ORDER = ['message', 'system', 'temperature', 'maxTokens', 'models', 'participants']

/** Checks a body against its schema's validator; the first issue (unknown fields first, then in `ORDER`) becomes the error. */
function parse<S extends z.ZodType>(validate: Validator, body: unknown, allowed: readonly string[], example: string): z.input<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail(`The body must be a JSON object such as ${example}.`)
  if (validate(body)) return body as z.input<S>
  const issues = (validate.errors ?? []).map(issueOf).sort((a, b) => {
    const rank = (issue: Issue) => (issue.unknown ? -1 + issue.path.length / 100 : (ORDER.indexOf(String(issue.path[0])) + 1 || ORDER.length + 1) + issue.path.length / 100)
    return rank(a) - rank(b)
  })
  const first = issues[0]
  if (!first) throw fail(`The body must be a JSON object such as ${example}.`)
  if (first.unknown) {
    const nested = first.path.length > 0
    throw unknownField(first, nested ? PARTICIPANT_FIELDS : allowed, nested ? PARTICIPANT_SUGGESTIONS : SUGGESTIONS)
  }
  throw issueMessage(first, { model: 'gpt-5-mini', system: 'a string', id: 'a participant id such as "openai-2"' })
}

function checkText(name: string, text: string, maxChars: number): void {
  if (!text.isWellFormed()) throw fail(`${name} contains invalid Unicode (an unpaired surrogate).`)
  const length = charCount(text)
  if (length > maxChars) {
    throw fail(`${name} is ${length.toLocaleString('en-US')} characters long; the limit is ${maxChars.toLocaleString('en-US')}.`, 'payload_too_large')
  }
}

function checkMessage(message: string, maxChars: number): void {
  if (message.trim() === '') throw fail('"message" must not be empty.')
  checkText('"message"', message, maxChars)
}

function usableProvider(config: Settings, id: string, field: string): ProviderDefinition {
  const provider = providerById(config, id)
  if (!provider) {
    throw new AppError('unknown_provider', `Unknown provider "${id.slice(0, 40)}"${field ? ` in ${field}` : ''}. Known providers: ${config.providers.map((p) => p.id).join(', ')}.`)
  }
  if (!config.configured.includes(id)) {
    throw new AppError('provider_not_configured', `${provider.label} is not configured on this server (${provider.reason ?? 'not configured'}).`)
  }
  return provider
}

function checkModel(provider: ProviderDefinition, model: string, field: string): void {
  if (model.trim() === '') throw fail(`${field} must be a model name such as "${provider.models[0]}".`)
  if (!provider.models.includes(model)) {
    throw new AppError('model_not_allowed', `"${model.slice(0, 80)}" is not an allowed ${provider.label} model. Allowed: ${provider.models.join(', ')}.`)
  }
}

/** Ids for participants sent without one: the provider id, then `<provider>-2`, `-3`… skipping ids already taken. */
export function assignIds(specs: ReadonlyArray<{ provider: string; id?: string }>): string[] {
  const taken = new Set(specs.flatMap((spec) => (spec.id !== undefined ? [spec.id] : [])))
  return specs.map((spec) => {
    if (spec.id !== undefined) return spec.id
    let id = spec.provider
    for (let n = 2; taken.has(id); n++) id = `${spec.provider}-${n}`
    taken.add(id)
    return id
  })
}

const CHAT_FIELDS = ['message', 'models', 'participants', 'system', 'temperature', 'maxTokens']

export function validateChatInput(body: unknown, config: Settings): ValidChatInput {
  const input = parse<typeof ChatInputSchema>(validators.ChatInput, body, CHAT_FIELDS, '{"message": "Hello"}')
  checkMessage(input.message, config.maxMessageChars)
  if (input.system !== undefined) checkText('"system"', input.system, config.maxMessageChars)
  if (input.models !== undefined && input.participants !== undefined) {
    throw fail('Send either "models" or "participants", not both: "participants" can say everything "models" does.')
  }

  let participants: ParticipantSpec[]
  if (input.participants !== undefined) {
    const specs = input.participants
    if (specs.length === 0) throw fail('"participants" must name at least one model, e.g. [{"provider": "openai"}].')
    if (specs.length > config.maxParticipants) {
      throw fail(`"participants" names ${specs.length} models; a chat compares at most ${config.maxParticipants}.`)
    }
    specs.forEach((spec, i) => {
      const field = `"participants[${i}]`
      const provider = usableProvider(config, spec.provider, `${field}.provider"`)
      if (spec.model !== undefined) checkModel(provider, spec.model, `${field}.model"`)
      if (spec.system !== undefined) checkText(`${field}.system"`, spec.system, config.maxMessageChars)
      if (spec.id !== undefined && !isParticipantId(spec.id)) {
        throw fail(`${field}.id" is "${String(spec.id).slice(0, 40)}": a participant id is 1-32 lowercase letters, digits or hyphens, starting with a letter or digit.`)
      }
    })
    const ids = assignIds(specs)
    const seen = new Set<string>()
    ids.forEach((id) => {
      if (seen.has(id)) throw fail(`The participant id "${id}" is used twice; each participant needs its own id.`)
      seen.add(id)
    })
    participants = specs.map((spec, i) => ({
      id: ids[i]!,
      provider: spec.provider,
      model: spec.model ?? providerById(config, spec.provider)!.models[0]!,
      ...(spec.system !== undefined ? { system: spec.system } : {}),
      ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
      ...(spec.maxTokens !== undefined ? { maxTokens: spec.maxTokens } : {}),
    }))
  } else if (input.models !== undefined) {
    const entries = Object.entries(input.models)
    if (entries.length === 0) {
      throw fail(`"models" must name at least one provider (${config.providers.map((p) => p.id).join(', ')}), or be left out to ask every configured provider.`)
    }
    if (entries.length > config.maxParticipants) {
      throw fail(`"models" names ${entries.length} providers; a chat compares at most ${config.maxParticipants}.`)
    }
    for (const [id, model] of entries) checkModel(usableProvider(config, id, ''), model, `"models.${id}"`)
    // Catalogue order, whatever order the client wrote.
    participants = config.providers.filter((p) => input.models![p.id] !== undefined).map((p) => ({ id: p.id, provider: p.id, model: input.models![p.id]! }))
  } else {
    participants = config.configured.map((id) => ({ id, provider: id, model: providerById(config, id)!.models[0]! }))
    if (participants.length === 0) throw new AppError('provider_not_configured', 'No provider is configured.')
    participants = participants.slice(0, config.maxParticipants)
  }

  return {
    message: input.message,
    participants,
    ...(input.system !== undefined ? { system: input.system } : {}),
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    ...(input.maxTokens !== undefined ? { maxTokens: input.maxTokens } : {}),
  }
}

/** `POST …/messages`: the message and, optionally, who takes the turn (ids checked against the chat by the caller). */
export function validateMessageInput(body: unknown, config: Settings): { message: string; participants?: string[] } {
  const input = parse<typeof MessageInputSchema>(validators.MessageInput, body, ['message', 'participants'], '{"message": "And now?"}')
  checkMessage(input.message, config.maxMessageChars)
  if (input.participants !== undefined && input.participants.length === 0) {
    throw fail('"participants" must name at least one participant id, or be left out to ask every participant.')
  }
  return input
}

/** `POST …/cancel`: an empty body or `{ "participant": id }`. */
export function validateCancelInput(body: unknown): { participant?: string } {
  return parse<typeof CancelInputSchema>(validators.CancelInput, body, ['participant'], '{"participant": "openai"}')
}

/** `POST …/retry`: `{ "participant": id }` or `{ "provider": id }`. */
export function validateRetryInput(body: unknown): { participant: string } | { provider: string } {
  const input = parse<typeof RetryInputSchema>(validators.RetryInput, body, ['participant', 'provider'], '{"participant": "openai"}')
  if ((input.participant === undefined) === (input.provider === undefined)) {
    throw fail('The body must be {"participant": "<participant id>"}, e.g. {"participant": "openai"} (or {"provider": "openai"} when one participant uses that provider).')
  }
  return input.participant !== undefined ? { participant: input.participant } : { provider: input.provider! }
}

/** `POST …/turns/<n>/pick`: `{ "participant": id }`. */
export function validatePickInput(body: unknown): { participant: string } {
  return parse<typeof PickInputSchema>(validators.PickInput, body, ['participant'], '{"participant": "openai"}')
}
