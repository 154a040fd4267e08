/** Creating a chat and reading its status: the domain behind the POST and status functions. */
import { randomUUID } from 'node:crypto'
import { acceptsTemperature, PROVIDERS, type ProviderId } from '../shared/catalogue.ts'
import { isChatId, requestKey } from '../shared/keys.ts'
import type { ChatRecord, ProviderParams } from '../shared/types.ts'
import type { ValidChatInput } from '../shared/validate.ts'
import { HttpError } from './http.ts'
import type { Settings } from './settings.ts'
import type { ChatStore } from './store.ts'

/** The parameters each provider is sent: one system prompt, temperature and token cap for all, within each API's limits. */
export function providerParams(id: ProviderId, model: string, input: ValidChatInput, config: Settings): ProviderParams {
  const notes: string[] = []
  const params: ProviderParams = { model, maxTokens: Math.min(input.maxTokens ?? config.maxOutputTokens, config.maxOutputTokens) }
  if (input.maxTokens !== undefined && input.maxTokens > config.maxOutputTokens) {
    notes.push(`maxTokens lowered from ${input.maxTokens} to the server cap of ${config.maxOutputTokens}.`)
  }
  if (input.system?.trim()) params.system = input.system
  if (input.temperature !== undefined) {
    if (!acceptsTemperature(id, model)) {
      notes.push(`temperature not sent: ${model} accepts only its default.`)
    } else if (input.temperature > PROVIDERS[id].maxTemperature) {
      params.temperature = PROVIDERS[id].maxTemperature
      notes.push(`temperature lowered from ${input.temperature} to ${PROVIDERS[id].label}'s maximum of ${PROVIDERS[id].maxTemperature}.`)
    } else {
      params.temperature = input.temperature
    }
  }
  if (notes.length) params.notes = notes
  return params
}

/** A new chat record (not stored yet). */
export function newChat(input: ValidChatInput, config: Settings, mode: ChatRecord['mode'], now = new Date()): ChatRecord {
  const providers = Object.keys(input.models) as ProviderId[]
  const params = Object.fromEntries(providers.map((id) => [id, providerParams(id, input.models[id]!, input, config)]))
  return {
    chatId: randomUUID(),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + config.ttlSeconds * 1000).toISOString(),
    demo: config.demo,
    mode,
    message: input.message,
    ...(input.system?.trim() ? { system: input.system } : {}),
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    maxTokens: params[providers[0]!]!.maxTokens,
    providers,
    params,
  }
}

/** Stores a chat's record: written once, and never again. */
export async function saveChat(store: ChatStore, chat: ChatRecord): Promise<void> {
  const written = await store.setJSON(requestKey(chat.chatId), chat, { onlyIfNew: true })
  if (!written.modified) throw new Error(`Chat ${chat.chatId} already exists.`)
}

/** Makes and stores a new chat. */
export async function createChat(store: ChatStore, input: ValidChatInput, config: Settings, mode: ChatRecord['mode']): Promise<ChatRecord> {
  const chat = newChat(input, config, mode)
  await saveChat(store, chat)
  return chat
}

/** The chat id of a status URL: `/api/ai/chat/<id>` or `/api/ai/chat/status?id=<id>`. */
export function chatIdFromUrl(url: URL, suffix = ''): string {
  const path = url.pathname.replace(/\/+$/, '')
  const segments = path.slice(0, path.length - suffix.length).split('/')
  const last = segments.at(-1) ?? ''
  const raw = last === 'status' && !suffix ? (url.searchParams.get('id') ?? '') : decodeURIComponentSafe(last)
  if (!isChatId(raw)) {
    throw new HttpError(400, 'invalid_id', raw ? 'That is not a chat id (expected a UUID such as the chatId a POST returned).' : 'Give the chat id: /api/ai/chat/<chatId>.')
  }
  return raw
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

// Chat blobs never change once written: a warm instance keeps the ones it has read.
const chatCache = new Map<string, ChatRecord>()
const CHAT_CACHE_SIZE = 500

/**
 * The chat blob, from this instance's cache when the listing shows it still exists. A listing can
 * miss a blob (local blob server), so a chat missing from it is read directly before it is called
 * unknown. Throws 404 for an unknown chat and 410 for an expired one.
 */
export async function loadChat(store: ChatStore, chatId: string, listed: boolean, now = Date.now()): Promise<ChatRecord> {
  let chat = listed ? (chatCache.get(chatId) ?? null) : null
  if (!chat) {
    chat = await store.getJSON<ChatRecord>(requestKey(chatId))
    if (!chat) {
      chatCache.delete(chatId)
      throw new HttpError(404, 'not_found', 'No chat with this id. It may have expired and been cleaned up.')
    }
    chatCache.delete(chatId)
    chatCache.set(chatId, chat)
    if (chatCache.size > CHAT_CACHE_SIZE) chatCache.delete(chatCache.keys().next().value!)
  }
  if (now > Date.parse(chat.expiresAt)) {
    throw new HttpError(410, 'expired', `This chat expired at ${chat.expiresAt}; its results are no longer kept.`)
  }
  return chat
}
