/**
 * Runs a chat: every requested provider at once, each isolated (its own claim, abort signal,
 * timeout, retries and result blob), so a slow or failing provider never delays or loses another's
 * answer. The background function and the sync rollback path both call `runChat`.
 *
 * One writer per blob: a run first claims a provider's result blob with a conditional write, then
 * makes every later write conditional on its own last ETag. A second delivery of the same trigger
 * finds the claim and leaves that provider alone; a run that has been taken over (after it went
 * silent) finds its ETag stale and stops.
 */
import { randomUUID } from 'node:crypto'
import { PROVIDERS, type Env, type ProviderId } from '../shared/catalogue.ts'
import { cancelKey, cancelsPrefix, chatPrefix, requestKey, resultKey, retryKey } from '../shared/keys.ts'
import { isFinal, type ChatRecord, type ProviderResult, type ResultError } from '../shared/types.ts'
import { heartbeatMs, isStale, type StoredResult } from './result.ts'
import { attemptId, readChatFiles, readRecoveries } from './chat-files.ts'
import { describeError, log } from './log.ts'
import { toProviderError } from './providers/errors.ts'
import { ProviderError, type AdapterFactory } from './providers/types.ts'
import { settings, type Settings } from './settings.ts'
import type { ChatStore } from './store.ts'
import { sleep } from './sleep.ts'

/** Text writes while streaming: the first delta at once, then at most this often. */
export const WRITE_INTERVAL_MS = 400
/** How often a running chat looks for cancel markers. */
export const CANCEL_POLL_MS = 750

type AbortKind = 'timeout' | 'cancelled' | 'superseded' | 'deadline'

class RunAbort extends Error {
  readonly kind: AbortKind

  constructor(kind: AbortKind) {
    super(`run aborted: ${kind}`)
    this.name = 'RunAbort'
    this.kind = kind
  }
}

export type ProviderOutcome = 'done' | 'error' | 'cancelled' | 'skipped-final' | 'skipped-running' | 'skipped-claimed' | 'skipped-stalled' | 'superseded'

export interface RunOptions {
  store: ChatStore
  env?: Env
  /** Epoch ms at which providers still running end as `timeout` (the sync path's limit). */
  deadline?: number
  /**
   * Makes each provider's adapter. The caller picks the set, so the demo run's function bundles
   * no provider SDK (see providers/index.ts and providers/demo.ts).
   */
  adapters: AdapterFactory
  /** Called with the chat before its providers run (e.g. to load SDKs early); a failure is logged, not fatal. */
  beforeRun?: (chat: ChatRecord) => Promise<unknown>
}

export interface RunSummary {
  chatId: string
  found: boolean
  outcomes: Partial<Record<ProviderId, ProviderOutcome>>
}

const nowIso = () => new Date().toISOString()


/** Full-jitter exponential backoff: a random wait in [base·2^n / 2, base·2^n]. */
export function backoffMs(retry: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** retry, 8_000)
  return ceiling / 2 + random() * (ceiling / 2)
}

/**
 * Owns one result blob: throttles text writes, keeps a heartbeat, and makes every write conditional
 * on the previous one so a run that was taken over learns it at its next write.
 */
class ResultWriter {
  #etag: string
  #chain: Promise<void> = Promise.resolve()
  #timer: ReturnType<typeof setTimeout> | undefined
  #heartbeat: ReturnType<typeof setInterval>
  #lastWriteAt = Date.now()
  #dirty = false
  lost = false
  readonly doc: StoredResult
  readonly #store: ChatStore
  readonly #key: string
  readonly #onLost: () => void

  readonly #stallMs: number

  constructor(store: ChatStore, key: string, doc: StoredResult, etag: string, onLost: () => void, stallSeconds: number) {
    const heartbeat = heartbeatMs(stallSeconds)
    this.#stallMs = stallSeconds * 1000
    this.#store = store
    this.#key = key
    this.doc = doc
    this.#onLost = onLost
    this.#etag = etag
    // A heartbeat, even while waiting for a first token: silence then means a dead run.
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastWriteAt >= heartbeat * 0.9) {
        this.#dirty = true
        void this.flush()
      }
    }, heartbeat / 2)
  }

  /** Records a change; it is written within `WRITE_INTERVAL_MS`. */
  update(patch: Partial<StoredResult>): void {
    Object.assign(this.doc, patch)
    this.#dirty = true
    if (this.#timer) return
    const wait = Math.max(0, this.#lastWriteAt + WRITE_INTERVAL_MS - Date.now())
    this.#timer = setTimeout(() => void this.flush(), wait)
  }

  /** Writes the latest state now (after any write in flight). */
  flush(patch: Partial<StoredResult> = {}): Promise<void> {
    Object.assign(this.doc, patch)
    this.#dirty = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#chain = this.#chain.then(() => this.#write())
    return this.#chain
  }

  /**
   * Writes the final state, retrying a failed write for as long as this run may still count as alive
   * (a stall period since its last write): a finished answer must not be dropped.
   */
  async finish(patch: Partial<StoredResult>): Promise<void> {
    clearInterval(this.#heartbeat)
    for (let attempt = 0; ; attempt++) {
      await this.flush(patch)
      if (!this.#dirty || this.lost) return
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 200 * 2 ** attempt)))
    }
  }

  stop(): void {
    clearInterval(this.#heartbeat)
    clearTimeout(this.#timer)
  }

  async #write(): Promise<void> {
    if (this.lost || !this.#dirty) return
    // Silent for a stall period (writes failing, or the process starved): status reads may have
    // re-triggered this attempt or shown it as stalled, so this run must not come back to life.
    if (Date.now() - this.#lastWriteAt > this.#stallMs) {
      this.lost = true
      this.stop()
      this.#onLost()
      return
    }
    this.#dirty = false
    const snapshot: StoredResult = { ...this.doc, updatedAt: nowIso() }
    try {
      // Always conditional on our own last write: if anyone else wrote since, this run no longer owns the blob.
      const result = await this.#store.setJSON(this.#key, snapshot, { onlyIfMatch: this.#etag })
      if (!result.modified) {
        this.lost = true
        this.stop()
        this.#onLost()
        return
      }
      this.#etag = result.etag!
      this.#lastWriteAt = Date.now()
      this.doc.updatedAt = snapshot.updatedAt
    } catch (error) {
      this.#dirty = true
      log.warn('result_write_failed', { key: this.#key, error: describeError(error) })
    }
  }
}

function errorFields(error: ResultError): Pick<ProviderResult, 'ok' | 'status' | 'error'> {
  return { status: 'error', ok: false, error }
}

async function runProvider(
  chat: ChatRecord,
  provider: ProviderId,
  attempt: number,
  options: RunOptions & {
    config: Settings
    controllers: Map<string, AbortController>
    listedEtag: string | undefined
    /** When a status read re-triggered this attempt's run, if it did (see recovery.ts). */
    recoveredAt: number | undefined
  },
): Promise<ProviderOutcome> {
  const { store, config } = options
  const key = resultKey(chat.chatId, provider, attempt)
  const params = chat.params[provider]
  if (!params) throw new Error(`The chat has no parameters for ${provider}.`)

  // Claim: a fresh blob, or one whose run went silent (its ETag is the condition).
  const existing = await store.getJSONWithEtag<StoredResult>(key)
  if (existing && isFinal(existing.data.status)) return 'skipped-final'
  if (existing && !isStale(existing.data, config.stallSeconds)) return 'skipped-running'
  // A retried attempt was queued when the retry was asked for; a cancelled one is claimed as cancelled.
  const [retried, cancelled] = await Promise.all([
    attempt > 1 ? store.getJSON<{ at: string }>(retryKey(chat.chatId, provider, attempt)) : null,
    store.getJSON<{ at: string }>(cancelKey(chat.chatId, provider, attempt)).catch(() => null),
  ])
  const startedAt = nowIso()
  const doc: StoredResult = {
    status: 'queued',
    ok: false,
    text: '',
    model: params.model,
    attempt,
    timings: { queuedAt: retried?.at ?? chat.createdAt, startedAt },
    attempts: 1,
    updatedAt: startedAt,
    runId: randomUUID(),
    ...(chat.demo ? { demo: true } : {}),
  }
  if (cancelled) Object.assign(doc, { status: 'cancelled', attempts: 0, timings: { ...doc.timings, finishedAt: startedAt } })
  // The local blob server sends no ETag on reads; the listing's ETag is the same value.
  const etag = existing ? (existing.etag ?? options.listedEtag) : undefined
  if (existing && !etag) return 'skipped-claimed'
  // Once the status may show this attempt as stalled (a stall period after its re-trigger, less a
  // margin for the time this claim takes), it stays so: checked right before the claim.
  const stallMs = config.stallSeconds * 1000
  if (options.recoveredAt !== undefined && Date.now() - options.recoveredAt > stallMs - Math.min(5_000, stallMs / 3)) return 'skipped-stalled'
  const claim = await store.setJSON(key, doc, etag ? { onlyIfMatch: etag } : { onlyIfNew: true })
  if (!claim.modified) return 'skipped-claimed'
  if (cancelled) return 'cancelled'

  // Nothing below may throw before the `try` whose `finally` stops these timers.
  const controller = new AbortController()
  options.controllers.set(attemptId(provider, attempt), controller)
  const signal = controller.signal
  const writer = new ResultWriter(store, key, doc, claim.etag!, () => controller.abort(new RunAbort('superseded')), config.stallSeconds)
  const timeout = setTimeout(() => controller.abort(new RunAbort('timeout')), config.providerTimeoutMs)
  const deadline = options.deadline !== undefined
    ? setTimeout(() => controller.abort(new RunAbort('deadline')), Math.max(0, options.deadline - Date.now()))
    : undefined
  const timeoutAt = Date.now() + config.providerTimeoutMs

  let text = ''
  const finished = (patch: Partial<StoredResult>) => writer.finish({ text, timings: { ...doc.timings, finishedAt: nowIso() }, ...patch })

  try {
    const adapter = options.adapters(provider, chat)
    for (let call = 1; ; call++) {
      if (call > 1) writer.update({ attempts: call })
      try {
        for await (const event of adapter.stream(
          { model: params.model, message: chat.message, system: params.system, temperature: params.temperature, maxTokens: params.maxTokens },
          { signal },
        )) {
          if (event.type === 'model') {
            writer.update({ model: event.model })
          } else if (event.type === 'text') {
            const first = text === ''
            text += event.text
            if (first) void writer.flush({ status: 'streaming', text, timings: { ...doc.timings, firstTokenAt: nowIso() } })
            else writer.update({ text })
          } else {
            signal.throwIfAborted()
            const usage = event.usage ? { usage: event.usage } : {}
            if (event.finishReason === 'content_filter') {
              await finished({
                ...errorFields({ code: 'content_filtered', message: `${PROVIDERS[provider].label} stopped this answer with its safety filter.`, retryable: false }),
                finishReason: 'content_filter',
                ...usage,
              })
              return 'error'
            }
            await finished({ status: 'done', ok: true, finishReason: event.finishReason, ...usage })
            return 'done'
          }
        }
        signal.throwIfAborted()
        // The stream ended without a finish event: the connection was cut.
        throw new ProviderError('stream_interrupted', 'The answer stopped before the provider finished it.', true)
      } catch (error) {
        if (signal.aborted) throw signal.reason
        const failure = toProviderError(provider, error)
        if (failure.code === 'internal') log.error('provider_internal_error', { chatId: chat.chatId, provider, error: describeError(error) })
        if (text !== '' || failure.code === 'stream_interrupted') {
          throw new ProviderError('stream_interrupted', `The answer was cut off after it started (${failure.message.replace(/\.$/, '')}).`, true)
        }
        const wait = failure.retryAfterMs ?? backoffMs(call - 1, config.retryBaseMs)
        if (!failure.retryable || call >= config.maxProviderCalls || Date.now() + wait >= timeoutAt) throw failure
        log.info('provider_retry', { chatId: chat.chatId, provider, attempt, call, code: failure.code, waitMs: Math.round(wait) })
        await sleep(wait, signal)
      }
    }
  } catch (error) {
    const reason = error instanceof RunAbort ? error : signal.aborted && signal.reason instanceof RunAbort ? signal.reason : null
    if (reason?.kind === 'superseded' || writer.lost) return 'superseded'
    if (reason?.kind === 'cancelled') {
      await finished({ status: 'cancelled', ok: false })
      return 'cancelled'
    }
    if (reason) {
      const seconds = Math.round((reason.kind === 'deadline' ? (options.deadline ?? 0) - Date.parse(startedAt) : config.providerTimeoutMs) / 1000)
      const message = reason.kind === 'deadline'
        ? `No complete answer within the ${seconds} s limit of the synchronous mode.`
        : `No complete answer within ${seconds} s.`
      await finished(errorFields({ code: 'timeout', message, retryable: true }))
      return 'error'
    }
    const failure = error instanceof ProviderError ? error : toProviderError(provider, error)
    if (!(error instanceof ProviderError)) log.warn('provider_failed', { chatId: chat.chatId, provider, error: describeError(error) })
    await finished(errorFields({ code: failure.code, message: failure.message, retryable: failure.retryable }))
    return 'error'
  } finally {
    clearTimeout(timeout)
    clearTimeout(deadline)
    writer.stop()
    options.controllers.delete(attemptId(provider, attempt))
  }
}

/**
 * Runs every requested provider of a chat (its latest attempt) that is neither finished nor owned
 * by another live run. Safe to call any number of times, at once or one after another.
 */
export async function runChat(chatId: string, options: RunOptions): Promise<RunSummary> {
  const { store } = options
  const config = settings(options.env ?? process.env)
  const chat = await store.getJSON<ChatRecord>(requestKey(chatId))
  if (!chat) return { chatId, found: false, outcomes: {} }

  const files = readChatFiles(chatId, await store.list(chatPrefix(chatId)))
  const recovered = files.recoveries.size ? await readRecoveries(store, chatId, files, chat.providers) : {}
  if (options.beforeRun) await options.beforeRun(chat).catch((error) => log.warn('before_run_failed', { chatId, error: describeError(error) }))
  const controllers = new Map<string, AbortController>()
  const watcher = setInterval(() => {
    if (controllers.size === 0) return
    store
      .list(cancelsPrefix(chatId))
      .then((blobs) => {
        for (const { key } of blobs) controllers.get(key.slice(cancelsPrefix(chatId).length))?.abort(new RunAbort('cancelled'))
      })
      .catch((error) => log.warn('cancel_watch_failed', { chatId, error: describeError(error) }))
  }, CANCEL_POLL_MS)

  const outcomes: Partial<Record<ProviderId, ProviderOutcome>> = {}
  let failures: unknown[]
  try {
    const settled = await Promise.allSettled(
      chat.providers.map(async (provider) => {
        const attempt = files.latest[provider]
        const listedEtag = files.results.get(resultKey(chatId, provider, attempt))
        outcomes[provider] = await runProvider(chat, provider, attempt, { ...options, config, controllers, listedEtag, recoveredAt: recovered[provider] })
      }),
    )
    failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
  } finally {
    clearInterval(watcher)
  }
  // Only a store failure gets here (a claim or a read). Every other provider has finished by now;
  // throwing makes Netlify deliver the run again, and the claims keep finished providers from being called twice.
  if (failures.length) {
    for (const error of failures) log.error('provider_run_failed', { chatId, error: describeError(error) })
    throw failures[0]
  }
  return { chatId, found: true, outcomes }
}
