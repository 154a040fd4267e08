/** Everything the page knows, as signals and computed values; the components only render it. */
import { batch, computed, effect, signal } from '@preact/signals'
import { PROVIDER_IDS, type ProviderId } from '../../shared/catalogue.ts'
import type { ChatInput, ModelsDocument, StatusDocument } from '../../shared/types.ts'
import { createApi, createTokenGate, messageOf, type Storage } from './api.ts'
import { createLane, openChatSession, type ChatSession } from './chat-session.ts'
import { readRecent, rememberChat, type RecentChat } from './recent-chats.ts'

export interface AppEnvironment {
  storage: Storage
  /** The page's address; `?chat=<id>` is the permalink of the latest chat. */
  location: { href: string }
  history: { replaceState(data: unknown, unused: string, url?: string): void }
  fetch?: typeof fetch
}

export interface Pick {
  on: boolean
  model: string
}

function memoryStorage(): Storage {
  const items = new Map<string, string>()
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) }
}

/** localStorage, or a stand-in when it is blocked (some privacy modes throw on access). */
export function browserStorage(): Storage {
  try {
    localStorage.getItem('ai-chat:probe')
    return localStorage
  } catch {
    return memoryStorage()
  }
}

export function createAppState(env: AppEnvironment) {
  const tokens = createTokenGate(env.storage)
  const api = createApi(tokens, env.fetch)
  const lane = createLane()

  const models = signal<ModelsDocument | null>(null)
  const modelsError = signal<string | null>(null)
  const picks = signal<Partial<Record<ProviderId, Pick>>>({})
  const prompt = signal('')
  const system = signal('')
  const temperature = signal('')
  const maxTokens = signal('')
  const sending = signal(false)
  const sendError = signal<string | null>(null)
  const chats = signal<ChatSession[]>([])
  const recent = signal<RecentChat[]>(readRecent(env.storage))
  /** The clock behind the streaming cards' elapsed counters: ticks each second while one streams. */
  const now = signal(Date.now())

  const chosen = computed(() => PROVIDER_IDS.filter((id) => picks.value[id]?.on))
  const demo = computed(() => !!models.value?.demo || chats.value.some((chat) => chat.doc.value?.demo))
  const canSend = computed(
    () => !sending.value && prompt.value.trim() !== '' && (!models.value || chosen.value.length > 0),
  )
  const streaming = computed(() =>
    chats.value.some((chat) => Object.values(chat.doc.value?.results ?? {}).some((r) => r.status === 'streaming')),
  )

  let ticker: ReturnType<typeof setInterval> | undefined
  const stopTicker = () => (clearInterval(ticker), (ticker = undefined))
  const disposeTicker = effect(() => {
    if (!streaming.value) return stopTicker()
    now.value = Date.now()
    ticker ??= setInterval(() => (now.value = Date.now()), 1000)
  })

  function remember(entry: RecentChat) {
    recent.value = rememberChat(env.storage, recent.value, entry)
  }

  function noteDocument(doc: StatusDocument) {
    const known = recent.value.find((item) => item.id === doc.chatId)
    if (known?.expiresAt === doc.expiresAt) return
    remember({ id: doc.chatId, prompt: doc.request.message, createdAt: doc.createdAt, expiresAt: doc.expiresAt })
  }

  function setPermalink(id: string | undefined) {
    const url = new URL(env.location.href)
    if (id) url.searchParams.set('chat', id)
    else url.searchParams.delete('chat')
    env.history.replaceState(null, '', url.pathname + url.search + url.hash)
  }

  /** Shows a chat below the others (or keeps it where it is) and points the permalink at it. */
  function openChat(id: string, requested?: ProviderId[], sentPrompt?: string): ChatSession {
    let chat = chats.value.find((item) => item.id === id)
    if (!chat) {
      chat = openChatSession(id, {
        api,
        lane,
        requested,
        prompt: sentPrompt,
        onDocument: noteDocument,
        onMissing: () => {
          const known = recent.value.find((item) => item.id === id)
          if (known) remember({ ...known, gone: true })
        },
      })
      chats.value = [...chats.value, chat]
    }
    setPermalink(id)
    return chat
  }

  /** Leaves a chat: its polling stops for good. */
  function closeChat(id: string) {
    const chat = chats.value.find((item) => item.id === id)
    chat?.dispose()
    chats.value = chats.value.filter((item) => item !== chat)
    setPermalink(chats.value.at(-1)?.id)
  }

  async function loadModels() {
    modelsError.value = null
    try {
      const doc = await api.models()
      batch(() => {
        models.value = doc
        picks.value = Object.fromEntries(
          doc.providers.map((provider) => [provider.id, { on: provider.configured, model: provider.defaultModel }]),
        )
      })
    } catch (error) {
      modelsError.value = messageOf(error)
    }
  }

  function pick(id: ProviderId, change: Partial<Pick>) {
    const current = picks.value[id]
    if (current) picks.value = { ...picks.value, [id]: { ...current, ...change } }
  }

  async function send() {
    if (!canSend.value) return
    const message = prompt.value
    const input: ChatInput = { message }
    // Before the models arrive, the server asks every configured provider.
    if (models.value) input.models = Object.fromEntries(chosen.value.map((id) => [id, picks.value[id]!.model]))
    if (system.value.trim()) input.system = system.value
    if (temperature.value.trim()) input.temperature = Number(temperature.value)
    if (maxTokens.value.trim()) input.maxTokens = Number(maxTokens.value)
    batch(() => {
      sending.value = true
      sendError.value = null
    })
    try {
      const accepted = await api.createChat(input)
      batch(() => {
        prompt.value = ''
        remember({ id: accepted.chatId, prompt: message, createdAt: new Date().toISOString() })
        openChat(accepted.chatId, models.value ? chosen.value : undefined, message)
      })
    } catch (error) {
      sendError.value = messageOf(error)
    } finally {
      sending.value = false
    }
  }

  /** Loads the models and reopens the permalink's chat. */
  function start() {
    void loadModels()
    const id = new URL(env.location.href).searchParams.get('chat')
    if (id) openChat(id)
  }

  /** Stops every loop and timer (the page unmounts). */
  function dispose() {
    for (const chat of chats.value) chat.dispose()
    disposeTicker()
    stopTicker()
  }

  return {
    tokens,
    models,
    modelsError,
    picks,
    prompt,
    system,
    temperature,
    maxTokens,
    sending,
    sendError,
    chats,
    recent,
    now,
    chosen,
    demo,
    canSend,
    loadModels,
    pick,
    send,
    openChat,
    closeChat,
    start,
    dispose,
  }
}

export type AppState = ReturnType<typeof createAppState>
