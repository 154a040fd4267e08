/**
 * The built-in providers and the models each may be asked for.
 *
 * Defaults and allow-lists follow the models Netlify AI Gateway serves, minus those the SDKs flag as
 * retiring (checked 2026-11-29); an operator replaces a list with `AI_CHAT_MODELS_<PROVIDER>`
 * (comma-separated, first = default), no code change. OpenAI-compatible providers (Ollama,
 * OpenRouter, …) are defined by environment variables instead (server/providers/registry.ts).
 */

export const BUILT_IN_PROVIDER_IDS = ['openai', 'anthropic', 'gemini'] as const
export type BuiltInProviderId = (typeof BUILT_IN_PROVIDER_IDS)[number]

/** The adapter family a provider is spoken to with; every OpenAI-compatible provider is `openai`. */
export type ProviderKind = BuiltInProviderId

/** What the catalogue knows about one model. */
export interface ModelEntry {
  id: string
  /** Reasoning models take no temperature but their default (the chat records why none was sent). */
  noTemperature?: true
}

export interface BuiltInProvider {
  id: BuiltInProviderId
  label: string
  /** Env vars that hold the key, in the order the official SDK reads them. */
  keyEnv: readonly string[]
  /** Env var that points the SDK at another endpoint (AI Gateway sets it). */
  baseUrlEnv: string
  /** Env var that replaces `models`. */
  modelsEnv: string
  /** Allowed models; the first is the default. */
  models: readonly ModelEntry[]
  /** Traits of models named by `modelsEnv` that the list above does not know, by name. */
  unlisted?: { pattern: RegExp; traits: Omit<ModelEntry, 'id'> }
  /** Highest temperature the API accepts. */
  maxTemperature: number
}

const reasoning = (id: string): ModelEntry => ({ id, noTemperature: true })

export const BUILT_IN_PROVIDERS: Readonly<Record<BuiltInProviderId, BuiltInProvider>> = {
  openai: {
    id: 'openai',
    label: 'OpenAI',
    keyEnv: ['OPENAI_API_KEY'],
    baseUrlEnv: 'OPENAI_BASE_URL',
    modelsEnv: 'AI_CHAT_MODELS_OPENAI',
    models: [
      reasoning('gpt-5-mini'),
      reasoning('gpt-5.5'),
      reasoning('gpt-5.4'),
      reasoning('gpt-5'),
      reasoning('gpt-5-nano'),
      { id: 'gpt-4.1' },
      { id: 'gpt-4.1-mini' },
      { id: 'gpt-4o-mini' },
      reasoning('o4-mini'),
    ],
    // OpenAI's reasoning models (o-series, gpt-5 family) reject any temperature but the default.
    unlisted: { pattern: /^(o\d|gpt-5)/, traits: { noTemperature: true } },
    maxTemperature: 2,
  },
  anthropic: {
    id: 'anthropic',
    label: 'Anthropic',
    keyEnv: ['ANTHROPIC_API_KEY'],
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
    modelsEnv: 'AI_CHAT_MODELS_ANTHROPIC',
    models: [{ id: 'claude-sonnet-4-6' }, { id: 'claude-haiku-4-5' }, { id: 'claude-opus-4-7' }, { id: 'claude-opus-4-6' }],
    maxTemperature: 1,
  },
  gemini: {
    id: 'gemini',
    label: 'Gemini',
    keyEnv: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'],
    baseUrlEnv: 'GOOGLE_GEMINI_BASE_URL',
    modelsEnv: 'AI_CHAT_MODELS_GEMINI',
    models: [
      { id: 'gemini-2.5-flash' },
      { id: 'gemini-2.5-pro' },
      { id: 'gemini-2.5-flash-lite' },
      { id: 'gemini-3-flash-preview' },
      { id: 'gemini-3.1-pro-preview' },
      { id: 'gemini-flash-latest' },
    ],
    maxTemperature: 2,
  },
}

export type Env = Readonly<Record<string, string | undefined>>

/** `AI_CHAT_COMPAT_<NAME>_<PART>`: the variables that define an OpenAI-compatible provider. */
export const COMPATIBLE_VARIABLE = /^AI_CHAT_COMPAT_([A-Za-z0-9_]+?)_(BASE_URL|MODELS|API_KEY|LABEL)$/

export function isBuiltInProvider(value: string): value is BuiltInProviderId {
  return (BUILT_IN_PROVIDER_IDS as readonly string[]).includes(value)
}

/** A comma-separated list from the environment (trimmed, empties dropped), or undefined when unset or empty. */
export function listFromEnv(raw: string | undefined): string[] | undefined {
  const list = raw
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  return list?.length ? list : undefined
}

/** The allowed models of a built-in provider: `AI_CHAT_MODELS_<PROVIDER>` when set, else the catalogue's. */
export function allowedModels(id: BuiltInProviderId, env: Env): string[] {
  return listFromEnv(env[BUILT_IN_PROVIDERS[id].modelsEnv]) ?? BUILT_IN_PROVIDERS[id].models.map((model) => model.id)
}

/** Whether a built-in provider's model takes a temperature: from its catalogue entry, else its name. */
export function acceptsTemperature(id: BuiltInProviderId, model: string): boolean {
  const provider = BUILT_IN_PROVIDERS[id]
  const entry = provider.models.find((known) => known.id === model)
  const traits = entry ?? (provider.unlisted?.pattern.test(model) ? provider.unlisted.traits : {})
  return !traits.noTemperature
}
