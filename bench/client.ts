/**
 * A client that uses the app exactly as the page does: it POSTs a chat, then runs the page's own
 * polling loop (web/src/chat-session.ts over web/src/api.ts: first request without parameters,
 * then `?since=<version>&wait=<WAIT_MS>` long polls one after another, never two in flight, the page's
 * backoff on 5xx/429/network errors), stamping when each provider's first text and final text
 * first became visible to it.
 */
import { PROVIDER_IDS, type ProviderId } from '../shared/catalogue.ts'
import { isFinal, type StatusDocument } from '../shared/types.ts'
import { createApi, createTokenGate } from '../web/src/api.ts'
import { createLane, isChatFinal, openChatSession } from '../web/src/chat-session.ts'
import { now } from './stats.ts'

export interface ProviderSeen {
  /** First document with some text for this provider. */
  firstTextAt?: number
  /** First document where this provider was final. */
  finalAt?: number
  finalStatus?: string
  finalText?: string
  errorCode?: string
  errorMessage?: string
  /** The result's own timings (server clock, same machine): when its run claimed it and when its first token arrived. */
  startedAt?: number
  firstTokenAt?: number
}

export interface ChatRun {
  label: string
  chatId?: string
  postStartedAt: number
  /** When the POST's answer (202) was read. */
  acceptedAt?: number
  postStatus?: number
  postLatencyMs?: number
  providers: Partial<Record<ProviderId, ProviderSeen>>
  /** First document whose status was `completed` or `failed`. */
  finalAt?: number
  finalStatus?: string
  /** Status requests sent, by HTTP status (0 = network error). */
  statusRequests: Record<number, number>
  /** Why the run did not end with a final document. */
  error?: string
}

export interface ChatOptions {
  origin: string
  label: string
  body: Record<string, unknown>
  /** Sent as `x-nf-client-connection-ip` (each simulated page is its own visitor). */
  ip?: string
  /** Give up (the chat counts as lost) after this long. */
  timeoutMs?: number
  /** Stop as soon as any provider's text is visible (demo-mode first-text figure). */
  untilFirstText?: boolean
}

/** Runs one chat the way an open page does and reports what it saw when. */
export async function runChat(options: ChatOptions): Promise<ChatRun> {
  const run: ChatRun = { label: options.label, postStartedAt: now(), providers: {}, statusRequests: {} }
  const headers: Record<string, string> = options.ip ? { 'x-nf-client-connection-ip': options.ip } : {}
  try {
    const response = await fetch(`${options.origin}/api/ai/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(options.body),
    })
    const accepted = (await response.json().catch(() => null)) as { chatId?: string } | null
    run.acceptedAt = now()
    run.postStatus = response.status
    run.postLatencyMs = run.acceptedAt - run.postStartedAt
    if (response.status !== 202 || !accepted?.chatId) {
      run.error = `POST answered ${response.status}: ${JSON.stringify(accepted).slice(0, 300)}`
      return run
    }
    run.chatId = accepted.chatId
  } catch (error) {
    run.error = `POST failed: ${(error as Error).message}`
    return run
  }

  const memory = new Map<string, string>()
  const tokens = createTokenGate({ getItem: (key) => memory.get(key) ?? null, setItem: (key, value) => void memory.set(key, value) })
  const api = createApi(tokens, async (input, init) => {
    let status = 0
    try {
      const response = await fetch(`${options.origin}${String(input)}`, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), ...headers } })
      status = response.status
      return response
    } finally {
      run.statusRequests[status] = (run.statusRequests[status] ?? 0) + 1
    }
  })

  await new Promise<void>((resolve) => {
    const finish = (error?: string) => {
      if (error && !run.error) run.error = error
      clearTimeout(timer)
      session.dispose()
      resolve()
    }
    const see = (doc: StatusDocument) => {
      const at = now()
      for (const provider of PROVIDER_IDS) {
        const result = doc.results[provider]
        if (!result) continue
        const seen = (run.providers[provider] ??= {})
        if (result.text && seen.firstTextAt === undefined) seen.firstTextAt = at
        if (isFinal(result.status) && seen.finalAt === undefined) {
          Object.assign(seen, {
            finalAt: at,
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
      if (isChatFinal(doc) || (options.untilFirstText && Object.values(run.providers).some((p) => p.firstTextAt !== undefined))) {
        queueMicrotask(() => finish())
      }
    }
    const session = openChatSession(run.chatId!, { api, lane: createLane(), onDocument: see })
    const timer = setTimeout(() => finish(`not final after ${options.timeoutMs} ms`), options.timeoutMs ?? 120_000)
    session.phase.subscribe((phase) => {
      if (phase === 'missing' || phase === 'broken' || phase === 'paused') {
        queueMicrotask(() => finish(`the page's loop stopped in phase "${phase}": ${session.problem.value?.message ?? ''}`))
      }
    })
  })
  return run
}
