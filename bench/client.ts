/**
 * A client that uses the app exactly as the page does: it POSTs a chat, then runs the page's own
 * polling loop (web/src/chat-session.ts over web/src/api.ts: first request without parameters,
 * then `?since=<version>&wait=<WAIT_MS>&turns=latest` long polls one after another, never two in
 * flight, the page's backoff on 5xx/429/network errors), stamping when each participant's first text
 * and final text first became visible to it. A conversation sends its follow-ups through the same
 * session (`sendFollowUp`, as the page's follow-up box does).
 */
import { isFinal, type ChatInput, type StatusDocument } from '../shared/types.ts'
import { createApi, createTokenGate } from '../web/src/api.ts'
import { createLane, isChatFinal, openChatSession, type ChatSession } from '../web/src/chat-session.ts'
import { now } from './stats.ts'

export interface ProviderSeen {
  /** First document with some text for this participant. */
  firstTextAt?: number
  /** First document where this participant was final. */
  finalAt?: number
  finalStatus?: string
  finalText?: string
  errorCode?: string
  errorMessage?: string
  /** The result's own timings (server clock, same machine): when its run claimed it and when its first token arrived. */
  startedAt?: number
  firstTokenAt?: number
  /** When the response that carried the final state arrived (headers), for "arrival → seen". */
  responseAt?: number
}

/** One chat (or one turn of a conversation) as a client saw it. */
export interface ChatRun {
  label: string
  chatId?: string
  /** The turn this run follows (1 for a new chat). */
  turn: number
  postStartedAt: number
  /** When the POST's answer (202) was read. */
  acceptedAt?: number
  postStatus?: number
  postLatencyMs?: number
  /** By participant id (the provider id for the benchmark's one-participant-per-provider chats). */
  providers: Record<string, ProviderSeen>
  /** First document whose latest turn was this one and `completed` or `failed`. */
  finalAt?: number
  finalStatus?: string
  /** Status requests sent, by HTTP status (0 = network error). */
  statusRequests: Record<number, number>
  /** When the latest status response arrived (headers). */
  lastResponseAt?: number
  /** Why the run did not end with a final document. */
  error?: string
}

export interface ChatOptions {
  origin: string
  label: string
  body: Record<string, unknown>
  /**
   * The visitor's IP, sent as `x-nf-client-connection-ip` (the in-process platform's `context.ip`)
   * and `x-forwarded-for` (the emulator takes `context.ip` from it). Each simulated page is its own
   * visitor unless several share one on purpose (the per-client cap).
   */
  ip?: string
  /** Give up (the chat counts as lost) after this long. */
  timeoutMs?: number
  /** Stop as soon as any participant's text is visible (demo-mode first-text figure). */
  untilFirstText?: boolean
}

/** The IP of the i-th visitor of a batch: `<prefix>.<i>` (two octets), default 10.<i> (three). */
export const visitorIp = (i: number, prefix?: string) => (prefix ? `${prefix}.${(i >> 8) & 255}.${i & 255}` : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)

export const visitorHeaders = (ip?: string): Record<string, string> => (ip ? { 'x-nf-client-connection-ip': ip, 'x-forwarded-for': ip } : {})

/** The page's API client over `fetch`, with the visitor's headers and extra ones per request, counting status answers. */
function pageApi(origin: string, headers: () => Record<string, string>, onRequest: (method: string, path: string, status: number, startedAt: number) => void) {
  const memory = new Map<string, string>()
  const tokens = createTokenGate({ getItem: (key) => memory.get(key) ?? null, setItem: (key, value) => void memory.set(key, value) })
  return createApi(tokens, async (input, init) => {
    let status = 0
    const startedAt = now()
    try {
      const response = await fetch(`${origin}${String(input)}`, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), ...headers() } })
      status = response.status
      return response
    } finally {
      onRequest((init?.method ?? 'GET').toUpperCase(), String(input), status, startedAt)
    }
  })
}

/** POSTs a new chat with a plain fetch (no Idempotency-Key), timing it to the 202's body. */
export async function postChat(options: ChatOptions): Promise<ChatRun> {
  const run: ChatRun = { label: options.label, turn: 1, postStartedAt: now(), providers: {}, statusRequests: {} }
  try {
    const response = await fetch(`${options.origin}/api/ai/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...visitorHeaders(options.ip) },
      body: JSON.stringify(options.body),
    })
    const accepted = (await response.json().catch(() => null)) as { chatId?: string } | null
    run.acceptedAt = now()
    run.postStatus = response.status
    run.postLatencyMs = run.acceptedAt - run.postStartedAt
    if (response.status !== 202 || !accepted?.chatId) run.error = `POST answered ${response.status}: ${JSON.stringify(accepted).slice(0, 300)}`
    else run.chatId = accepted.chatId
  } catch (error) {
    run.error = `POST failed: ${(error as Error).message}`
  }
  return run
}

/** Notes what a document shows of the turn a run follows. True once that turn is final. */
function see(run: ChatRun, doc: StatusDocument): boolean {
  const at = now()
  const latest = doc.turns?.at(-1)?.turn ?? 1
  if (latest !== run.turn) return false
  for (const [participant, result] of Object.entries(doc.results)) {
    const seen = (run.providers[participant] ??= {})
    if (result.text && seen.firstTextAt === undefined) seen.firstTextAt = at
    if (isFinal(result.status) && seen.finalAt === undefined) {
      Object.assign(seen, {
        finalAt: at,
        responseAt: run.lastResponseAt,
        finalStatus: result.status,
        finalText: result.text,
        errorCode: result.error?.code,
        errorMessage: result.error?.message,
        startedAt: result.timings.startedAt ? Date.parse(result.timings.startedAt) : undefined,
        firstTokenAt: result.timings.firstTokenAt ? Date.parse(result.timings.firstTokenAt) : undefined,
      })
    }
  }
  if (isChatFinal(doc) && run.finalAt === undefined) {
    run.finalAt = at
    run.finalStatus = doc.status
  }
  return isChatFinal(doc)
}

/** Waits until the session has shown `run`'s turn final (or gives up), noting every document. */
function follow(session: ChatSession, run: ChatRun, options: Pick<ChatOptions, 'timeoutMs' | 'untilFirstText'>, subscribe: (listener: (doc: StatusDocument) => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false
    const finish = (error?: string) => {
      if (done) return
      done = true
      if (error && !run.error) run.error = error
      clearTimeout(timer)
      unsubscribe()
      resolve()
    }
    subscribe((doc) => {
      const final = see(run, doc)
      if (final || (options.untilFirstText && Object.values(run.providers).some((p) => p?.firstTextAt !== undefined))) queueMicrotask(() => finish())
    })
    const timer = setTimeout(() => finish(`not final after ${options.timeoutMs} ms`), options.timeoutMs ?? 120_000)
    const unsubscribe = session.phase.subscribe((phase) => {
      if (phase === 'missing' || phase === 'broken' || phase === 'paused') {
        queueMicrotask(() => finish(`the page's loop stopped in phase "${phase}": ${session.problem.value?.message ?? ''}`))
      }
    })
    // The document the session already holds (a follow-up's turn may be in it already).
    if (session.doc.value && see(run, session.doc.value)) queueMicrotask(() => finish())
  })
}

/** Runs one chat the way an open page does and reports what it saw when. */
export async function runChat(options: ChatOptions): Promise<ChatRun> {
  const run = await postChat(options)
  if (!run.chatId) return run
  await followChat(run, options)
  return run
}

/** Follows a posted chat with the page's loop until it is final. */
export async function followChat(run: ChatRun, options: ChatOptions): Promise<void> {
  const api = pageApi(options.origin, () => visitorHeaders(options.ip), (_method, _path, status) => {
    run.statusRequests[status] = (run.statusRequests[status] ?? 0) + 1
    run.lastResponseAt = now()
  })
  let listener: (doc: StatusDocument) => void = () => {}
  const session = openChatSession(run.chatId!, { api, lane: createLane(), onDocument: (doc) => listener(doc) })
  try {
    await follow(session, run, options, (next) => (listener = next))
  } finally {
    session.dispose()
  }
}

export interface ConversationOptions extends Omit<ChatOptions, 'body' | 'label'> {
  /** Each turn's label and body: turn 1's body is POSTed to /api/ai/chat, later ones' `message` to …/messages. */
  turns: Array<{ label: string; body: Record<string, unknown> }>
  /**
   * Sent as `x-bench-tag: <tag>-t<n>` and `x-bench-turn: <n>` on the requests of turn n, so the
   * warm functions can charge their blob operations to "a poll while turn n runs".
   */
  tag?: string
}

/**
 * A conversation as the page has it: turn 1 created with the page's `createChat` (Idempotency-Key
 * included), each later turn sent from the open session with `sendFollowUp` once the previous one
 * is final, and one polling loop throughout. One ChatRun per turn; POST latency is the time to the
 * POST's response headers, the same for every turn.
 */
export async function runConversation(options: ConversationOptions): Promise<ChatRun[]> {
  const runs: ChatRun[] = []
  let current: ChatRun | undefined
  const api = pageApi(
    options.origin,
    () => ({ ...visitorHeaders(options.ip), ...(options.tag && current ? { 'x-bench-tag': `${options.tag}-t${current.turn}`, 'x-bench-turn': String(current.turn) } : {}) }),
    (method, path, status, startedAt) => {
      if (!current) return
      if (method === 'POST') {
        current.postStatus = status
        current.acceptedAt = now()
        current.postLatencyMs = current.acceptedAt - startedAt
      } else if (/^\/api\/ai\/chat\/[^/?]+(\?|$)/.test(path)) {
        current.statusRequests[status] = (current.statusRequests[status] ?? 0) + 1
        current.lastResponseAt = now()
      }
    },
  )
  const first = options.turns[0]!
  current = { label: first.label, turn: 1, postStartedAt: now(), providers: {}, statusRequests: {} }
  runs.push(current)
  let chatId: string
  try {
    chatId = (await api.createChat(first.body as ChatInput, crypto.randomUUID())).chatId
    current.chatId = chatId
  } catch (error) {
    current.error = `POST failed: ${(error as Error).message}`
    return runs
  }
  let listener: (doc: StatusDocument) => void = () => {}
  const session = openChatSession(chatId, { api, lane: createLane(), onDocument: (doc) => listener(doc) })
  try {
    await follow(session, current, options, (next) => (listener = next))
    for (const [index, turn] of options.turns.entries()) {
      if (index === 0) continue
      if (current.error || current.finalStatus !== 'completed') break
      current = { label: turn.label, chatId, turn: index + 1, postStartedAt: now(), providers: {}, statusRequests: {} }
      runs.push(current)
      session.followUp.value = String(turn.body.message)
      if (session.followUpBlocked.value) {
        current.error = `the page would not send turn ${current.turn}: ${session.followUpBlocked.value}`
        break
      }
      const following = follow(session, current, options, (next) => (listener = next))
      await session.sendFollowUp()
      if (session.actionError.value) {
        current.error = session.actionError.value
        listener = () => {}
        break
      }
      await following
    }
  } finally {
    session.dispose()
  }
  return runs
}
