/**
 * The providers this app can compare and the models each may be asked for.
 *
 * Defaults and allow-lists follow the models Netlify AI Gateway serves, minus those the SDKs flag as
 * retiring (checked 2026-11-29); an operator
 * replaces a list with `AI_CHAT_MODELS_<PROVIDER>` (comma-separated, first = default), no code change.
 */

export const PROVIDER_IDS = ['openai', 'anthropic', 'gemini'] as const
export type ProviderId = (typeof PROVIDER_IDS)[number]

export interface ProviderInfo {
  id: ProviderId
  label: string
  /** Env vars that hold the key, in the order the official SDK reads them. */
  keyEnv: readonly string[]
  /** Env var that points the SDK at another endpoint (AI Gateway sets it). */
  baseUrlEnv: string
  /** Env var that replaces `models`. */
  modelsEnv: string
  /** Allowed models; the first is the default. */
  models: readonly string[]
  /** Highest temperature the API accepts. */
  maxTemperature: number
}

export const PROVIDERS: Readonly<Record<ProviderId, ProviderInfo>> = {
  openai: {
    id: 'openai',
    label: 'OpenAI',
    keyEnv: ['OPENAI_API_KEY'],
    baseUrlEnv: 'OPENAI_BASE_URL',
    modelsEnv: 'AI_CHAT_MODELS_OPENAI',
    models: ['gpt-5-mini', 'gpt-5.5', 'gpt-5.4', 'gpt-5', 'gpt-5-nano', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4o-mini', 'o4-mini'],
    maxTemperature: 2,
  },
  anthropic: {
    id: 'anthropic',
    label: 'Anthropic',
    keyEnv: ['ANTHROPIC_API_KEY'],
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
    modelsEnv: 'AI_CHAT_MODELS_ANTHROPIC',
    models: ['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-7', 'claude-opus-4-6'],
    maxTemperature: 1,
  },
  gemini: {
    id: 'gemini',
    label: 'Gemini',
    keyEnv: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'],
    baseUrlEnv: 'GOOGLE_GEMINI_BASE_URL',
    modelsEnv: 'AI_CHAT_MODELS_GEMINI',
    models: ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite', 'gemini-3-flash-preview', 'gemini-3.1-pro-preview', 'gemini-flash-latest'],
    maxTemperature: 2,
  },
}

export type Env = Readonly<Record<string, string | undefined>>

export function isProviderId(value: string): value is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value)
}

/** The allowed models of a provider: `AI_CHAT_MODELS_<PROVIDER>` when set, else the catalogue's. */
export function allowedModels(id: ProviderId, env: Env): string[] {
  const override = env[PROVIDERS[id].modelsEnv]
    ?.split(',')
    .map((model) => model.trim())
    .filter(Boolean)
  return override?.length ? override : [...PROVIDERS[id].models]
}

/**
 * OpenAI's reasoning models (o-series, gpt-5 family) reject any temperature but the default,
 * so none is sent to them and the chat records that.
 */
export function acceptsTemperature(id: ProviderId, model: string): boolean {
  return !(id === 'openai' && /^(o\d|gpt-5)/.test(model))
}
