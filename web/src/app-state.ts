/** Everything the page knows, as signals and computed values; the components only render it. */
import { batch, computed, effect, signal } from '@preact/signals'
import type { ChatInput, Limits, ModelsDocument, StatusDocument } from '../../shared/types.ts'
import { actionFailed, createApi, createTokenGate, messageOf, type Storage } from './api.ts'
import type { ChatSession, Lane } from './chat-session.ts'
import { lazyModule } from './lazy-module.ts'
import { clampSetting, DEFAULT_LIMITS, isChatId, lengthNote, type SettingName } from './limits.ts'
import { draft, fitDrafts, participantInputs, providerLabel, readDrafts, saveDrafts, type Draft } from './participants.ts'
import { readRecent, rememberChat, type RecentChat } from './recent-chats.ts'

export interface AppEnvironment {
  storage: Storage
  /** The page's address; `?chat=<id>` is the permalink of the latest chat. */
  location: { href: string }
  history: { replaceState(data: unknown, unused: string, url?: string): void }
  fetch?: typeof fetch
}

/**
 * The chat sessions (polling, actions): not needed to paint the composer, so fetched after first
 * paint with the chat view. A chat opened before it arrives waits for it.
 */
export const sessions = lazyModule(() => import('./chat-session.ts'))

const BLIND_KEY = 'ai-chat:blind'

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

function readList(storage: Storage, key: string): string[] {
  try {
    const list: unknown = JSON.parse(storage.getItem(key) ?? '[]')
    return Array.isArray(list) ? list.filter((item) => typeof item === 'string') : []
  } catch {
    return []
  }
}

export function createAppState(env: AppEnvironment) {
  const tokens = createTokenGate(env.storage)
  const api = createApi(tokens, env.fetch)
  let lane: Lane | undefined

  const models = signal<ModelsDocument | null>(null)
  const modelsError = signal<string | null>(null)
  const limits = computed((): Limits => ({ ...DEFAULT_LIMITS, ...models.value?.limits }))
  /** The columns of the next chat, remembered from the last time. */
  const drafts = signal<Draft[]>(readDrafts(env.storage) ?? [])
  const prompt = signal('')
  /** Chat-level settings ("same for all"), as typed; checked and clamped on change and on send. */
  const system = signal('')
  const temperature = signal('')
  const maxTokens = signal('')
  /** What clamping changed in a chat-level setting, shown beside it. */
  const settingNotes = signal<Partial<Record<SettingName, string>>>({})
  /** Start the next chat blind. */
  const blindNext = signal(false)
  const sending = signal(false)
  const sendError = signal<string | null>(null)
  const chats = signal<ChatSession[]>([])
  /** Chats waiting for the session module. */
  const opening = signal(0)
  /** Why the permalink cannot be shown (one sentence), for a link that is not a chat id. */
  const linkProblem = signal<string | null>(null)
  const recent = signal<RecentChat[]>(readRecent(env.storage))
  /** The clock behind the streaming cards' elapsed counters: ticks each second while one streams. */
  const now = signal(Date.now())

  const demo = computed(() => !!models.value?.demo || chats.value.some((chat) => chat.doc.value?.demo))
  const promptLength = computed(() => lengthNote('The prompt', prompt.value.length, limits.value.maxMessageChars))
  const systemLength = computed(() => lengthNote('The system prompt', system.value.length, limits.value.maxMessageChars))
  /** Why the prompt cannot be sent, in words (null when it can, or when only the text is missing). */
  const sendBlocked = computed((): string | null => {
    if (promptLength.value?.over) return promptLength.value.text
    if (systemLength.value?.over) return systemLength.value.text
    for (const item of drafts.value) {
      const note = lengthNote('A column’s system prompt', item.system?.length ?? 0, limits.value.maxMessageChars)
      if (note?.over) return note.text
    }
    if (models.value && drafts.value.length === 0) return 'Add at least one model to compare.'
    return null
  })
  const canSend = computed(() => !sending.value && prompt.value.trim() !== '' && !sendBlocked.value)
  const streaming = computed(() =>
    chats.value.some((chat) => Object.values(chat.doc.value?.results ?? {}).some((result) => result.status === 'streaming')),
  )
  const label = (provider: string) => providerLabel(models.value?.providers, provider)

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

  function setBlind(id: string, on: boolean) {
    const others = readList(env.storage, BLIND_KEY).filter((item) => item !== id)
    try {
      env.storage.setItem(BLIND_KEY, JSON.stringify(on ? [id, ...others].slice(0, 50) : others))
    } catch {
      // Storage full or disabled: blind for this page only.
    }
  }

  interface Created {
    message: string
    participants: Array<{ provider: string; model: string }>
    blind: boolean
  }

  /** Shows a chat below the others (or keeps it where it is) and points the permalink at it. */
  function openChat(id: string, created?: Created): void {
    linkProblem.value = null
    const known = chats.value.find((item) => item.id === id)
    if (known) return setPermalink(id)
    if (!isChatId(id)) {
      linkProblem.value = `This link does not point to a chat: “${id.slice(0, 60)}” is not a chat id.`
      return
    }
    setPermalink(id)
    const start = () => {
      const module = sessions.current.value
      if (!module || chats.value.some((item) => item.id === id)) return
      lane ??= module.createLane()
      const chat = module.openChatSession(id, {
        api,
        lane,
        limits: () => limits.value,
        label,
        created,
        blind: created?.blind ?? readList(env.storage, BLIND_KEY).includes(id),
        onBlind: (on) => setBlind(id, on),
        onDocument: noteDocument,
        onMissing: () => {
          const entry = recent.value.find((item) => item.id === id)
          if (entry) remember({ ...entry, gone: true })
        },
      })
      chats.value = [...chats.value, chat]
    }
    if (sessions.current.value) return start()
    opening.value++
    void sessions.load().then(() => {
      batch(() => {
        opening.value--
        start()
      })
    })
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
        const max = doc.limits?.maxParticipants ?? DEFAULT_LIMITS.maxParticipants
        drafts.value = fitDrafts(drafts.value.length ? drafts.value : null, doc, max)
      })
    } catch (error) {
      modelsError.value = messageOf(error)
    }
  }

  function setDrafts(next: Draft[]) {
    drafts.value = next
    saveDrafts(env.storage, next)
  }

  /** Adds a column asking this provider's model (the same provider may appear several times). */
  function addDraft(provider: string, model: string) {
    if (drafts.value.length >= limits.value.maxParticipants) return
    setDrafts([...drafts.value, draft({ provider, model })])
  }

  function removeDraft(key: number) {
    setDrafts(drafts.value.filter((item) => item.key !== key))
  }

  /** Changes a column's model or settings; an undefined setting goes back to "same for all". */
  function updateDraft(key: number, change: Partial<Omit<Draft, 'key'>>) {
    setDrafts(
      drafts.value.map((item) => {
        if (item.key !== key) return item
        const next: Draft = { ...item, ...change }
        if (!next.system) delete next.system
        if (next.temperature === undefined) delete next.temperature
        if (next.maxTokens === undefined) delete next.maxTokens
        return next
      }),
    )
  }

  /** Brings a chat-level setting into its range, noting what changed. Returns the value to send. */
  function checkSetting(name: SettingName): number | undefined {
    const box = name === 'temperature' ? temperature : maxTokens
    const { value, note } = clampSetting(name, box.value, limits.value)
    batch(() => {
      if (value !== undefined) box.value = String(value)
      else if (note) box.value = ''
      const notes = { ...settingNotes.value }
      if (note) notes[name] = note
      else delete notes[name]
      settingNotes.value = notes
    })
    return value
  }

  async function send() {
    if (!canSend.value) return
    const message = prompt.value
    const input: ChatInput = { message }
    // With no columns yet (the models have not arrived and none were remembered), the server asks every configured provider.
    if (drafts.value.length) input.participants = participantInputs(drafts.value)
    if (system.value.trim()) input.system = system.value
    const temperatureValue = checkSetting('temperature')
    const maxTokensValue = checkSetting('maxTokens')
    if (temperatureValue !== undefined) input.temperature = temperatureValue
    if (maxTokensValue !== undefined) input.maxTokens = maxTokensValue
    const columns = drafts.value.map(({ provider, model }) => ({ provider, model }))
    const blind = blindNext.value
    batch(() => {
      sending.value = true
      sendError.value = null
    })
    try {
      // One key per user action: the retries of this POST reuse it, so the chat is created once.
      const accepted = await api.createChat(input, crypto.randomUUID())
      if (blind) setBlind(accepted.chatId, true)
      batch(() => {
        prompt.value = ''
        remember({ id: accepted.chatId, prompt: message, createdAt: new Date().toISOString() })
        openChat(accepted.chatId, { message, participants: columns, blind })
      })
    } catch (error) {
      sendError.value = actionFailed('start the chat', error)
    } finally {
      sending.value = false
    }
  }

  const wakeChats = () => {
    for (const chat of chats.value) chat.wake()
  }
  const onVisibility = () => {
    if (document.visibilityState === 'visible') wakeChats()
  }

  /** Loads the models, reopens the permalink's chat and listens for the network coming back. */
  function start() {
    void loadModels()
    const id = new URL(env.location.href).searchParams.get('chat')
    if (id) openChat(id)
    if (typeof window !== 'undefined') {
      window.addEventListener('online', wakeChats)
      document.addEventListener('visibilitychange', onVisibility)
    }
  }

  /** Stops every loop, timer and listener (the page unmounts). */
  function dispose() {
    for (const chat of chats.value) chat.dispose()
    disposeTicker()
    stopTicker()
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', wakeChats)
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }

  return {
    tokens,
    models,
    modelsError,
    limits,
    drafts,
    prompt,
    system,
    temperature,
    maxTokens,
    settingNotes,
    blindNext,
    sending,
    sendError,
    chats,
    opening,
    linkProblem,
    recent,
    now,
    demo,
    promptLength,
    systemLength,
    sendBlocked,
    canSend,
    label,
    loadModels,
    addDraft,
    removeDraft,
    updateDraft,
    checkSetting,
    send,
    openChat,
    closeChat,
    start,
    dispose,
  }
}

export type AppState = ReturnType<typeof createAppState>
