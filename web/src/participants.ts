/**
 * The columns of the next chat as the composer edits them: which provider and model each one asks,
 * and the settings a column overrides. The set is remembered in localStorage. Pure except for storage.
 */
import type { ModelsDocument, ParticipantInput, ProviderInfoDocument } from '../../shared/types.ts'
import type { Storage } from './api.ts'

/** One column of the next chat. A setting left undefined is "same for all" (the chat-level value). */
export interface Draft {
  /** Identifies the row while it is edited (not sent). */
  key: number
  provider: string
  model: string
  system?: string
  temperature?: number
  maxTokens?: number
}

export type DraftSettings = Pick<Draft, 'system' | 'temperature' | 'maxTokens'>

const KEY = 'ai-chat:participants'
let nextKey = 1

export function draft(fields: Omit<Draft, 'key'>): Draft {
  return { ...fields, key: nextKey++ }
}

/** The remembered set, or null when there is none (or it is damaged). */
export function readDrafts(storage: Storage): Draft[] | null {
  try {
    const list: unknown = JSON.parse(storage.getItem(KEY) ?? 'null')
    if (!Array.isArray(list)) return null
    const drafts = list
      .filter((item) => typeof item?.provider === 'string' && typeof item.model === 'string')
      .map((item) =>
        draft({
          provider: item.provider,
          model: item.model,
          ...(typeof item.system === 'string' ? { system: item.system } : {}),
          ...(typeof item.temperature === 'number' ? { temperature: item.temperature } : {}),
          ...(typeof item.maxTokens === 'number' ? { maxTokens: item.maxTokens } : {}),
        }),
      )
    return drafts.length ? drafts : null
  } catch {
    return null
  }
}

export function saveDrafts(storage: Storage, drafts: readonly Draft[]): void {
  try {
    storage.setItem(KEY, JSON.stringify(drafts.map(({ key: _key, ...fields }) => fields)))
  } catch {
    // Storage full or disabled: the set lives for this page only.
  }
}

/** Every configured provider once, with its default model, up to the limit. */
export function defaultDrafts(models: ModelsDocument, max: number): Draft[] {
  return models.providers
    .filter((provider) => provider.configured)
    .slice(0, max)
    .map((provider) => draft({ provider: provider.id, model: provider.defaultModel }))
}

/**
 * A remembered set made to fit what this server offers now: columns of providers that are gone or
 * unconfigured are dropped, a model no longer allowed becomes the provider's default, and the set is
 * cut to the limit. An empty result falls back to the defaults.
 */
export function fitDrafts(drafts: readonly Draft[] | null, models: ModelsDocument, max: number): Draft[] {
  const byId = new Map(models.providers.map((provider) => [provider.id, provider]))
  const fitted = (drafts ?? [])
    .filter((item) => byId.get(item.provider)?.configured)
    .slice(0, max)
    .map((item) => {
      const provider = byId.get(item.provider)!
      return provider.models.includes(item.model) ? item : { ...item, model: provider.defaultModel }
    })
  return fitted.length ? fitted : defaultDrafts(models, max)
}

/** What the POST sends for the set: provider, model and only the settings a column overrides. */
export function participantInputs(drafts: readonly Draft[]): ParticipantInput[] {
  return drafts.map(({ provider, model, system, temperature, maxTokens }) => ({
    provider,
    model,
    ...(system?.trim() ? { system } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  }))
}

/** The settings a column overrides, in words: ["own system prompt", "temperature 0.2", "max 500 tokens"]. */
export function overrides(item: DraftSettings): string[] {
  const words: string[] = []
  if (item.system?.trim()) words.push('own system prompt')
  if (item.temperature !== undefined) words.push(`temperature ${item.temperature}`)
  if (item.maxTokens !== undefined) words.push(`max ${item.maxTokens} tokens`)
  return words
}

/** A provider's name for people: the models document's label, else its id. */
export function providerLabel(providers: readonly ProviderInfoDocument[] | undefined, id: string): string {
  return providers?.find((provider) => provider.id === id)?.label ?? id
}
