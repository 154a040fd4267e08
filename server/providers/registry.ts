/**
 * Every provider this server can ask, resolved from the environment: the three built-ins (keyed by
 * their SDK's env vars) and any number of OpenAI-compatible providers (Ollama, OpenRouter, Groq,
 * vLLM, LM Studio…) defined by `AI_CHAT_COMPAT_<NAME>_*`. Imports no SDK: the POST, status and
 * models functions use it.
 */
import { acceptsTemperature, allowedModels, BUILT_IN_PROVIDER_IDS, BUILT_IN_PROVIDERS, COMPATIBLE_VARIABLE, listFromEnv, type Env, type ProviderKind } from '../../shared/catalogue.ts'
import { isProviderIdShape } from '../keys.ts'
import { log } from '../log.ts'

export interface ProviderDefinition {
  id: string
  label: string
  /** The adapter family (every compatible provider is spoken to as `openai`). */
  kind: ProviderKind
  /** Defined by `AI_CHAT_COMPAT_<NAME>_*`: an OpenAI-compatible server. */
  compatible: boolean
  /** Allowed models; the first is the default (empty only for a broken definition). */
  models: string[]
  /** Has what it needs to be called (a key for a built-in; a valid definition for a compatible one). */
  usable: boolean
  /** Why it is not usable, naming the variable to set. */
  reason?: string
  /** The key (server-side only: never in a response, result, log line or the page). */
  apiKey?: string
  /** The endpoint, when not the SDK's default. */
  baseUrl?: string
  /** The variables the key is read from (named in error messages, never their values). */
  keyEnv: readonly string[]
  maxTemperature: number
  acceptsTemperature(model: string): boolean
}

/** The first of a list of variables that is set, if any. */
function firstSet(env: Env, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim()
    if (value) return value
  }
  return undefined
}

function builtIns(env: Env): ProviderDefinition[] {
  return BUILT_IN_PROVIDER_IDS.map((id) => {
    const info = BUILT_IN_PROVIDERS[id]
    const apiKey = firstSet(env, info.keyEnv)
    const baseUrl = env[info.baseUrlEnv]?.trim() || undefined
    return {
      id,
      label: info.label,
      kind: id,
      compatible: false,
      models: allowedModels(id, env),
      usable: apiKey !== undefined,
      ...(apiKey ? { apiKey } : { reason: `no ${info.keyEnv.join(' or ')}` }),
      ...(baseUrl ? { baseUrl } : {}),
      keyEnv: info.keyEnv,
      maxTemperature: info.maxTemperature,
      acceptsTemperature: (model) => acceptsTemperature(id, model),
    }
  })
}

/** Longest compatible provider id: room is left for the `-2`… suffixes of repeated participants. */
const MAX_COMPAT_ID = 29

/** The names of `AI_CHAT_COMPAT_<NAME>_*` variables, in the order they are first seen. */
export function compatibleNames(env: Env): string[] {
  const names = new Set<string>()
  for (const name of Object.keys(env)) {
    const match = COMPATIBLE_VARIABLE.exec(name)
    if (match && env[name] !== undefined) names.add(match[1]!)
  }
  return [...names].sort()
}

const warned = new Set<string>()
function warnOnce(event: string, fields: Record<string, unknown>): void {
  const key = `${event} ${JSON.stringify(fields)}`
  if (warned.has(key)) return
  warned.add(key)
  log.warn(event, fields)
}

/** The provider id of `AI_CHAT_COMPAT_<NAME>_*`: NAME lower-cased, `_` → `-`. */
export const compatibleId = (name: string) => name.toLowerCase().replace(/_/g, '-')

function compatible(env: Env, taken: Set<string>): ProviderDefinition[] {
  const definitions: ProviderDefinition[] = []
  for (const name of compatibleNames(env)) {
    const id = compatibleId(name)
    const variable = (part: string) => `AI_CHAT_COMPAT_${name}_${part}`
    if (taken.has(id)) {
      warnOnce('compatible_provider_ignored', { name, reason: `its id "${id}" would shadow a built-in provider` })
      continue
    }
    if (id.length > MAX_COMPAT_ID || !isProviderIdShape(id)) {
      warnOnce('compatible_provider_ignored', { name, reason: `its id "${id}" must be at most ${MAX_COMPAT_ID} letters, digits or hyphens, starting with a letter or digit` })
      continue
    }
    const rawUrl = env[variable('BASE_URL')]?.trim()
    const models = listFromEnv(env[variable('MODELS')]) ?? []
    const apiKey = env[variable('API_KEY')]?.trim() || undefined
    let reason: string | undefined
    if (!rawUrl) reason = `${variable('BASE_URL')} is not set`
    else if (!URL.canParse(rawUrl) || !/^https?:$/.test(new URL(rawUrl).protocol)) reason = `${variable('BASE_URL')} is not an http(s) URL`
    else if (models.length === 0) reason = `${variable('MODELS')} is not set (a comma-separated list of models, first = default)`
    definitions.push({
      id,
      label: env[variable('LABEL')]?.trim() || name.replace(/_/g, ' ').toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase()),
      kind: 'openai',
      compatible: true,
      models,
      usable: reason === undefined,
      ...(reason ? { reason } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(rawUrl && !reason ? { baseUrl: rawUrl } : {}),
      keyEnv: [variable('API_KEY')],
      maxTemperature: 2,
      acceptsTemperature: () => true,
    })
  }
  return definitions
}

/** Every provider, built-ins first (catalogue order), then compatible ones by name. */
export function resolveProviders(env: Env): ProviderDefinition[] {
  const builtIn = builtIns(env)
  return [...builtIn, ...compatible(env, new Set(builtIn.map((p) => p.id)))]
}
