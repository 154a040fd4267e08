/**
 * One open chat: its latest status document and the loop that keeps it fresh.
 *
 * The loop long-polls `GET /api/ai/chat/<id>?since=<version>&wait=2000`: the server answers at once
 * when a provider changes state, else after about two seconds (200 with grown text, or 304). The next
 * request starts when the previous one ended, and all chats of a page share one lane, so a page never
 * has two status requests in flight. Network errors, 5xx and 429 back off 1, 2, 4, 8 s (with jitter)
 * while the chat shows "reconnecting"; after two minutes the loop pauses until `resume()`.
 */
import { batch, signal } from '@preact/signals'
import type { ProviderId } from '../../shared/catalogue.ts'
import type { StatusDocument } from '../../shared/types.ts'
import { ApiError, WAIT_MS, messageOf, type Api } from './api.ts'

/** How long a chat is polled before the page stops and offers to resume. */
export const GIVE_UP_MS = 120_000
export const MAX_BACKOFF_MS = 8000

/**
 * `loading` before the first document; `live` while polling; `reconnecting` while backing off;
 * `paused` after the give-up; `final` once the chat completed or failed; `missing` for 404/410;
 * `broken` for any other refusal.
 */
export type ChatPhase = 'loading' | 'live' | 'reconnecting' | 'paused' | 'final' | 'missing' | 'broken'

/** Runs tasks one after another: the page's single status-request lane. */
export type Lane = <T>(task: () => Promise<T>) => Promise<T>

export function createLane(): Lane {
  let tail: Promise<unknown> = Promise.resolve()
  return (task) => {
    const run = tail.then(task)
    tail = run.catch(() => {})
    return run
  }
}

/** 1 s, 2 s, 4 s, 8 s, 8 s… each ±25 %, or the server's Retry-After when longer. */
export function backoff(failures: number, retryAfterSeconds = 0, random = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1))
  return Math.max(retryAfterSeconds * 1000, Math.round(base * (0.75 + random() / 2)))
}

function sleep(milliseconds: number, abort: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, milliseconds)
    abort.addEventListener('abort', () => (clearTimeout(timer), reject(abort.reason)), { once: true })
  })
}

export const isChatFinal = (doc: StatusDocument | null) => doc?.status === 'completed' || doc?.status === 'failed'

export interface ChatSessionOptions {
  api: Api
  lane: Lane
  /** Providers asked for, shown as queued cards until the first document arrives. */
  requested?: ProviderId[]
  /** The prompt as sent, shown until the first document arrives. */
  prompt?: string
  onDocument?: (doc: StatusDocument) => void
  onMissing?: (error: ApiError) => void
}

export function openChatSession(id: string, options: ChatSessionOptions) {
  const { api, lane } = options
  const doc = signal<StatusDocument | null>(null)
  const phase = signal<ChatPhase>('loading')
  /** The failure behind `reconnecting`, `missing` or `broken`. */
  const problem = signal<ApiError | null>(null)
  /** Why the last cancel or retry was refused. */
  const actionError = signal<string | null>(null)
  /** Actions in flight: `cancel` or a provider id being retried, with the attempt it replaces. */
  const pending = signal<Partial<Record<'cancel' | ProviderId, number>>>({})
  let controller: AbortController | null = null
  let disposed = false

  function settle(key: 'cancel' | ProviderId, value?: number) {
    const next = { ...pending.value }
    if (value === undefined) delete next[key]
    else next[key] = value
    pending.value = next
  }

  function receive(next: StatusDocument) {
    batch(() => {
      doc.value = next
      // A cancel is done once the chat is final; a retry once the server shows its new attempt.
      for (const key of Object.keys(pending.value) as Array<'cancel' | ProviderId>) {
        const attempt = key === 'cancel' ? undefined : next.results[key]?.attempt
        if (key === 'cancel' ? isChatFinal(next) : attempt !== undefined && attempt > pending.value[key]!) settle(key)
      }
    })
    options.onDocument?.(next)
  }

  async function poll(abort: AbortSignal) {
    const started = Date.now()
    let failures = 0
    while (!abort.aborted) {
      if (Date.now() - started >= GIVE_UP_MS) {
        phase.value = 'paused'
        return
      }
      const sentAt = Date.now()
      try {
        const held = doc.value?.version
        const next = await lane(() => api.status(id, held, abort))
        failures = 0
        batch(() => {
          if (next) receive(next)
          problem.value = null
          phase.value = isChatFinal(doc.value) ? 'final' : 'live'
        })
        if (phase.value === 'final') return
        // A 304 that came back at once means a server that does not hold: wait out the rest of the second.
        if (!next && Date.now() - sentAt < WAIT_MS / 2) await sleep(WAIT_MS - (Date.now() - sentAt), abort)
      } catch (error) {
        if (abort.aborted) return
        const failure = error instanceof ApiError ? error : new ApiError(0, 'internal', messageOf(error))
        problem.value = failure
        if (!failure.transient) {
          phase.value = failure.status === 404 || failure.status === 410 ? 'missing' : 'broken'
          if (phase.value === 'missing') options.onMissing?.(failure)
          return
        }
        failures++
        phase.value = 'reconnecting'
        await sleep(backoff(failures, failure.retryAfter), abort).catch(() => {})
      }
    }
  }

  /** Starts the loop unless it runs already (never two loops, so never two requests for one chat). */
  function resume() {
    if (disposed || controller) return
    const own = new AbortController()
    controller = own
    if (phase.value !== 'loading') phase.value = 'live'
    void poll(own.signal).finally(() => {
      if (controller === own) controller = null
    })
  }

  async function act(key: 'cancel' | ProviderId, run: () => Promise<unknown>, attempt = 0) {
    settle(key, attempt)
    actionError.value = null
    try {
      await run()
      // Both change a running chat, and a retry revives a final one: watch it until it is final again.
      if (key !== 'cancel' || !isChatFinal(doc.value)) resume()
      else settle(key)
    } catch (error) {
      settle(key)
      actionError.value = messageOf(error)
    }
  }

  resume()

  return {
    id,
    requested: options.requested ?? [],
    prompt: options.prompt ?? '',
    doc,
    phase,
    problem,
    actionError,
    pending,
    resume,
    cancel: () => act('cancel', () => api.cancel(id)),
    retry: (provider: ProviderId) =>
      act(provider, () => api.retry(id, provider), doc.value?.results[provider]?.attempt ?? 0),
    /** Stops polling for good: the chat was closed or the page unmounted. */
    dispose() {
      disposed = true
      controller?.abort()
      controller = null
    },
  }
}

export type ChatSession = ReturnType<typeof openChatSession>
