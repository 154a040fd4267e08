/** Making a chat, and reading a chat's and its turns' blobs (each written once, so warm instances keep them). */
import { randomUUID } from 'node:crypto'
import type { ProviderParams } from '../shared/types.ts'
import { AppError } from './errors.ts'
import { requestKey, turnKey } from './keys.ts'
import type { ProviderDefinition } from './providers/registry.ts'
import { firstTurn, type ChatRecord, type ParticipantRecord, type TurnRecord, type TurnView } from './records.ts'
import { providerById, type Settings } from './settings.ts'
import type { ChatStore } from './store.ts'
import type { ParticipantSpec, ValidChatInput } from './validate.ts'

/**
 * What a participant is sent: the chat-level system prompt, temperature and token cap, overridden by
 * its own, within its API's limits. Every change from what was asked is noted.
 */
export function participantParams(provider: ProviderDefinition, spec: ParticipantSpec, input: ValidChatInput, config: Settings): ProviderParams {
  const notes: string[] = []
  const asked = spec.maxTokens ?? input.maxTokens
  const params: ProviderParams = { model: spec.model, maxTokens: Math.min(asked ?? config.maxOutputTokens, config.maxOutputTokens) }
  if (asked !== undefined && asked > config.maxOutputTokens) notes.push(`maxTokens lowered from ${asked} to the server cap of ${config.maxOutputTokens}.`)
  const system = spec.system ?? input.system
  if (system?.trim()) params.system = system
  const temperature = spec.temperature ?? input.temperature
  if (temperature !== undefined) {
    if (!provider.acceptsTemperature(spec.model)) {
      notes.push(`temperature not sent: ${spec.model} accepts only its default.`)
    } else if (temperature > provider.maxTemperature) {
      params.temperature = provider.maxTemperature
      notes.push(`temperature lowered from ${temperature} to ${provider.label}'s maximum of ${provider.maxTemperature}.`)
    } else {
      params.temperature = temperature
    }
  }
  if (notes.length) params.notes = notes
  return params
}

/** A new chat record (not stored yet). */
export function newChat(input: ValidChatInput, config: Settings, mode: ChatRecord['mode'], now = new Date()): ChatRecord {
  const participants: ParticipantRecord[] = input.participants.map((spec) => {
    const provider = providerById(config, spec.provider)!
    return { id: spec.id, provider: spec.provider, model: spec.model, label: provider.label, params: participantParams(provider, spec, input, config) }
  })
  return {
    chatId: randomUUID(),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + config.ttlSeconds * 1000).toISOString(),
    demo: config.demo,
    mode,
    message: input.message,
    ...(input.system?.trim() ? { system: input.system } : {}),
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    maxTokens: Math.min(input.maxTokens ?? config.maxOutputTokens, config.maxOutputTokens),
    participants,
  }
}

/** Stores a chat's record: written once, and never again. */
export async function saveChat(store: ChatStore, chat: ChatRecord): Promise<void> {
  const written = await store.setJSON(requestKey(chat.chatId), chat, { onlyIfNew: true })
  if (!written.modified) throw new Error(`Chat ${chat.chatId} already exists.`)
}

/** Blobs written once and never changed: a warm instance keeps the ones it has read (by key). */
const immutable = new Map<string, unknown>()
const IMMUTABLE_CACHE_SIZE = 1000

function remember<T>(key: string, value: T): T {
  immutable.delete(key)
  immutable.set(key, value)
  if (immutable.size > IMMUTABLE_CACHE_SIZE) immutable.delete(immutable.keys().next().value!)
  return value
}

/** Forgets what this instance cached of a chat (cleanup deleted it). */
export function forgetChat(chatId: string): void {
  for (const key of immutable.keys()) if (key.includes(chatId)) immutable.delete(key)
}

/**
 * The chat blob, from this instance's cache when the listing shows it still exists. A listing can
 * miss a blob (local blob server), so a chat missing from it is read directly before it is called
 * unknown. Throws `not_found` for an unknown chat.
 */
export async function loadChat(store: ChatStore, chatId: string, listed: boolean): Promise<ChatRecord> {
  const key = requestKey(chatId)
  const cached = listed ? (immutable.get(key) as ChatRecord | undefined) : undefined
  if (cached) return cached
  const chat = await store.getJSON<ChatRecord>(key)
  if (!chat) {
    immutable.delete(key)
    throw new AppError('not_found', 'No chat with this id. It may have expired and been cleaned up.')
  }
  if (isLegacy(chat)) throw new AppError('not_found', 'This chat was made by an earlier version of this app and can no longer be shown.')
  return remember(key, chat)
}

/** A chat blob written by a version before participants (its results live under other keys): never shown, removed by cleanup when it expires. */
export const isLegacy = (chat: unknown) => !Array.isArray((chat as Partial<ChatRecord> | null)?.participants)

/** A turn of a chat (turn 1 is the chat blob itself), or null when it does not exist. */
export async function loadTurn(store: ChatStore, chat: ChatRecord, turn: number): Promise<TurnView | null> {
  if (turn === 1) return firstTurn(chat)
  const key = turnKey(chat.chatId, turn)
  const record = (immutable.get(key) as TurnRecord | undefined) ?? (await store.getJSON<TurnRecord>(key))
  if (!record) return null
  const { chatId: _chatId, ...turnView } = remember(key, record)
  return turnView
}

/** The expired error of a chat whose latest turn has passed its expiry. */
export function expiredError(expiresAt: string): AppError {
  return new AppError('expired', `This chat expired at ${expiresAt}; its results are no longer kept.`)
}
