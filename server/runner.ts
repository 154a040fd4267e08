/**
 * Runs a chat's latest turn: every participant of it at once, each isolated (its own claim, abort
 * signal, timeout, retries and result blob), so a slow or failing model never delays or loses
 * another's answer. The background functions and the sync rollback path all call `runChat`; it is
 * safe to call any number of times, at once or one after another (see claim.ts).
 */
import type { Env } from '../shared/catalogue.ts'
import type { ResultError } from '../shared/types.ts'
import { latestAttempt, listChat, withMeta, type ChatListing } from './chat-listing.ts'
import { loadTurn } from './chats.ts'
import { claimResult } from './claim.ts'
import { conversationOf, type PastTurn } from './history.ts'
import { cancelsPrefix, parseChatKey, requestKey, resultKey } from './keys.ts'
import { describeError, log } from './log.ts'
import { costOf } from './prices.ts'
import { isModuleLoadError, toProviderError } from './providers/errors.ts'
import type { ProviderDefinition } from './providers/registry.ts'
import { ProviderError, type AdapterFactory, type ChatMessage } from './providers/types.ts'
import { readRecoveries } from './recovery.ts'
import type { ChatRecord, ParticipantRecord, StoredResult, TurnView } from './records.ts'
import { ResultWriter } from './result-writer.ts'
import { answerMaxBytes, providerById, settings, type Settings } from './settings.ts'
import { sleep } from './sleep.ts'
import type { ChatStore } from './store.ts'

/** How often a running turn looks for cancel markers. */
export const CANCEL_POLL_MS = 750

type AbortKind = 'timeout' | 'cancelled' | 'superseded' | 'deadline' | 'truncated'

class RunAbort extends Error {
  readonly kind: AbortKind

  constructor(kind: AbortKind) {
    super(`run aborted: ${kind}`)
    this.name = 'RunAbort'
    this.kind = kind
  }
}

/** A failure of this instance, not of the provider (an SDK module that could not be loaded). */
class InfrastructureError extends Error {
  constructor(cause: unknown) {
    super('The provider SDK could not be loaded by this instance.', { cause })
    this.name = 'InfrastructureError'
  }
}

export type ParticipantOutcome = 'done' | 'error' | 'cancelled' | 'skipped-final' | 'skipped-running' | 'skipped-claimed' | 'skipped-stalled' | 'superseded'

export interface RunOptions {
  store: ChatStore
  env?: Env
  /** The turn the trigger was sent for: the latest one is run, and it is at least this. */
  turn?: number
  /** Epoch ms at which participants still running end as `timeout` (the sync path's limit). */
  deadline?: number
  /**
   * Makes each participant's adapter. The caller picks the set, so the demo run's function bundles
   * no provider SDK (see providers/adapters.ts and providers/demo.ts).
   */
  adapters: AdapterFactory
  /** Called with the chat before its participants run (e.g. to load SDKs early); a failure is logged, not fatal. */
  beforeRun?: (chat: ChatRecord) => Promise<unknown>
}

export interface RunSummary {
  chatId: string
  found: boolean
  turn?: number
  outcomes: Record<string, ParticipantOutcome>
}

const nowIso = () => new Date().toISOString()

/** Full-jitter exponential backoff: a random wait in [base·2^n / 2, base·2^n]. */
export function backoffMs(retry: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** retry, 8_000)
  return ceiling / 2 + random() * (ceiling / 2)
}

function errorFields(error: ResultError): Pick<StoredResult, 'ok' | 'status' | 'error'> {
  return { status: 'error', ok: false, error }
}

/** The longest start of `text` within `chars` characters (code points) and `bytes` UTF-8 bytes. */
function cutAnswer(text: string, chars: number, bytes: number): { text: string; chars: number; bytes: number } {
  let count = 0
  let size = 0
  let end = 0
  for (const char of text) {
    const charBytes = Buffer.byteLength(char)
    if (count + 1 > chars || size + charBytes > bytes) break
    count++
    size += charBytes
    end += char.length
  }
  return { text: text.slice(0, end), chars: count, bytes: size }
}

interface ParticipantRun {
  chat: ChatRecord
  participant: ParticipantRecord
  provider: ProviderDefinition | undefined
  turn: TurnView
  attempt: number
  messages: ChatMessage[]
  listedEtag: string | undefined
  recoveredAt: number | undefined
  config: Settings
  env: Env
  controllers: Map<string, AbortController>
}

async function runParticipant(options: RunOptions, run: ParticipantRun): Promise<ParticipantOutcome> {
  const { store } = options
  const { chat, participant, turn, attempt, config } = run
  const claim = await claimResult({
    store,
    chat,
    participant,
    turn: turn.turn,
    turnCreatedAt: turn.createdAt,
    attempt,
    listedEtag: run.listedEtag,
    recoveredAt: run.recoveredAt,
    stallSeconds: config.stallSeconds,
  })
  if (!claim.claimed) return claim.reason
  if (claim.cancelled) return 'cancelled'

  const key = resultKey(chat.chatId, turn.turn, participant.id, attempt)
  const { doc } = claim
  const label = run.provider?.label ?? participant.label
  const params = participant.params
  // Nothing below may throw before the `try` whose `finally` stops these timers.
  const controller = new AbortController()
  run.controllers.set(`${participant.id}.${attempt}`, controller)
  const signal = controller.signal
  const writer = new ResultWriter({ store, key, doc, etag: claim.etag, onLost: () => controller.abort(new RunAbort('superseded')), stallSeconds: config.stallSeconds })
  const timeout = setTimeout(() => controller.abort(new RunAbort('timeout')), config.providerTimeoutMs)
  const deadline = options.deadline !== undefined ? setTimeout(() => controller.abort(new RunAbort('deadline')), Math.max(0, options.deadline - Date.now())) : undefined
  const timeoutAt = Date.now() + config.providerTimeoutMs

  let text = ''
  let chars = 0
  let bytes = 0
  const maxBytes = answerMaxBytes(config)
  const finished = (patch: Partial<StoredResult>) => writer.finish({ text, timings: { ...doc.timings, finishedAt: nowIso() }, ...patch })
  const priced = (usage: StoredResult['usage']) => ({ ...(usage ? { usage } : {}), cost: costOf(participant.provider, participant.model, usage, run.env) })

  try {
    if (!run.provider) throw new ProviderError('bad_request', `${label} is no longer configured on this server.`, false)
    const adapter = options.adapters(run.provider, chat)
    const call = { model: params.model, messages: run.messages, system: params.system, temperature: params.temperature, maxTokens: params.maxTokens }
    for (let attemptCall = 1; ; attemptCall++) {
      if (attemptCall > 1) writer.update({ attempts: attemptCall })
      try {
        for await (const event of adapter.stream(call, { signal })) {
          if (event.type === 'model') {
            writer.update({ model: event.model })
          } else if (event.type === 'text') {
            const first = text === ''
            const piece = cutAnswer(event.text, config.maxAnswerChars - chars, maxBytes - bytes)
            text += piece.text
            chars += piece.chars
            bytes += piece.bytes
            if (first) void writer.flush({ status: 'streaming', text, timings: { ...doc.timings, firstTokenAt: nowIso() } })
            else writer.update({ text })
            if (piece.text.length < event.text.length || chars >= config.maxAnswerChars) controller.abort(new RunAbort('truncated'))
          } else {
            signal.throwIfAborted()
            if (event.finishReason === 'content_filter') {
              await finished({
                ...errorFields({ code: 'content_filtered', message: `${label} stopped this answer with its safety filter.`, retryable: false }),
                finishReason: 'content_filter',
                ...priced(event.usage),
              })
              return 'error'
            }
            await finished({ status: 'done', ok: true, finishReason: event.finishReason, ...priced(event.usage) })
            return 'done'
          }
        }
        signal.throwIfAborted()
        // The stream ended without a finish event: the connection was cut.
        throw new ProviderError('stream_interrupted', 'The answer stopped before the provider finished it.', true)
      } catch (error) {
        if (signal.aborted) throw signal.reason
        if (isModuleLoadError(error)) throw new InfrastructureError(error)
        const failure = run.provider ? toProviderError(run.provider, error) : toProviderError({ kind: 'openai', label, keyEnv: [] }, error)
        if (failure.code === 'internal') log.error('provider_internal_error', { chatId: chat.chatId, participant: participant.id, error: describeError(error) })
        if (text !== '' || failure.code === 'stream_interrupted') {
          const cause = failure.message.replace(/\.$/, '')
          throw new ProviderError('stream_interrupted', text !== '' ? `The answer was cut off after it started (${cause}).` : `The answer broke off before its first words (${cause}).`, true)
        }
        const wait = failure.retryAfterMs ?? backoffMs(attemptCall - 1, config.retryBaseMs)
        if (!failure.retryable || attemptCall >= config.maxProviderCalls || Date.now() + wait >= timeoutAt) throw failure
        log.info('provider_retry', { chatId: chat.chatId, participant: participant.id, attempt, call: attemptCall, code: failure.code, waitMs: Math.round(wait) })
        await sleep(wait, signal)
      }
    }
  } catch (error) {
    // Our side could not even load the provider's SDK: this run stops without a verdict. Its claim
    // goes silent, so a status read re-triggers the attempt in a fresh instance (and Netlify
    // delivers a run that threw again); the answer is not lost as an error.
    if (error instanceof InfrastructureError) throw error
    const reason = error instanceof RunAbort ? error : signal.aborted && signal.reason instanceof RunAbort ? signal.reason : null
    if (reason?.kind === 'superseded' || writer.lost) return 'superseded'
    if (reason?.kind === 'cancelled') {
      await finished({ status: 'cancelled', ok: false })
      return 'cancelled'
    }
    if (reason?.kind === 'truncated') {
      // The answer reached AI_CHAT_MAX_ANSWER_CHARS: kept as done, cut there. The provider sent no usage.
      await finished({ status: 'done', ok: true, finishReason: 'length', truncated: true, cost: null })
      return 'done'
    }
    if (reason) {
      const seconds = Math.round((reason.kind === 'deadline' ? (options.deadline ?? 0) - Date.parse(doc.timings.startedAt!) : config.providerTimeoutMs) / 1000)
      const message = reason.kind === 'deadline' ? `No complete answer within the ${seconds} s limit of the synchronous mode.` : `No complete answer within ${seconds} s.`
      await finished(errorFields({ code: 'timeout', message, retryable: true }))
      return 'error'
    }
    const failure = error instanceof ProviderError ? error : toProviderError(run.provider ?? { kind: 'openai', label, keyEnv: [] }, error)
    if (!(error instanceof ProviderError)) log.warn('provider_failed', { chatId: chat.chatId, participant: participant.id, error: describeError(error) })
    await finished(errorFields({ code: failure.code, message: failure.message, retryable: failure.retryable }))
    return 'error'
  } finally {
    clearTimeout(timeout)
    clearTimeout(deadline)
    writer.stop()
    run.controllers.delete(`${participant.id}.${attempt}`)
  }
}

/** Each participant's own conversation up to this turn (reads its latest result of every earlier turn it took). */
async function histories(store: ChatStore, chat: ChatRecord, listing: ChatListing, turn: TurnView): Promise<Map<string, ChatMessage[]>> {
  const conversations = new Map<string, ChatMessage[]>()
  await Promise.all(
    turn.participants.map(async (id) => {
      const past: PastTurn[] = await Promise.all(
        turn.earlier.map(async (t) => {
          const took = t.participants.includes(id)
          const answer = took ? await store.getJSON<StoredResult>(resultKey(chat.chatId, t.turn, id, latestAttempt(listing, t.turn, id))) : null
          return { message: t.message, answer, took }
        }),
      )
      conversations.set(id, conversationOf(past, turn.message))
    }),
  )
  return conversations
}

/**
 * Runs every participant of the chat's latest turn (its latest attempt) that is neither finished
 * nor owned by another live run.
 */
export async function runChat(chatId: string, options: RunOptions): Promise<RunSummary> {
  const { store } = options
  const env = options.env ?? process.env
  const config = settings(env)
  const chat = await store.getJSON<ChatRecord>(requestKey(chatId))
  if (!chat) return { chatId, found: false, outcomes: {} }
  // First thing: the local emulator rebuilds a function's folder on every call, and an SDK loaded
  // later in a run can vanish under it meanwhile.
  if (options.beforeRun) await options.beforeRun(chat).catch((error) => log.warn('before_run_failed', { chatId, error: describeError(error) }))

  // With `meta/` listed again: a turn or retry missing from a listing would not be run at all.
  const listing = await withMeta(store, chatId, await listChat(store, chatId))
  const turn = await loadTurn(store, chat, Math.max(listing.latestTurn, options.turn ?? 1))
  if (!turn) return { chatId, found: false, outcomes: {} }
  const attempts = Object.fromEntries(turn.participants.map((id) => [id, latestAttempt(listing, turn.turn, id)]))
  const [recovered, conversations] = await Promise.all([
    listing.recoveries.size ? readRecoveries(store, chatId, listing, turn.turn, attempts) : Promise.resolve({} as Record<string, number>),
    histories(store, chat, listing, turn),
  ])

  const controllers = new Map<string, AbortController>()
  const watcher = setInterval(() => {
    if (controllers.size === 0) return
    store
      .list(cancelsPrefix(chatId, turn.turn))
      .then((blobs) => {
        for (const { key } of blobs) {
          const cancel = parseChatKey(chatId, key)
          if (cancel?.kind === 'cancels') controllers.get(`${cancel.participant}.${cancel.attempt}`)?.abort(new RunAbort('cancelled'))
        }
      })
      .catch((error) => log.warn('cancel_watch_failed', { chatId, error: describeError(error) }))
  }, CANCEL_POLL_MS)

  const outcomes: Record<string, ParticipantOutcome> = {}
  let failures: unknown[]
  try {
    const settled = await Promise.allSettled(
      turn.participants.map(async (id) => {
        const participant = chat.participants.find((p) => p.id === id)!
        const attempt = attempts[id]!
        outcomes[id] = await runParticipant(options, {
          chat,
          participant,
          provider: providerById(config, participant.provider),
          turn,
          attempt,
          messages: conversations.get(id)!,
          listedEtag: listing.results.get(resultKey(chatId, turn.turn, id, attempt)),
          recoveredAt: recovered[id],
          config,
          env,
          controllers,
        })
      }),
    )
    failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
  } finally {
    clearInterval(watcher)
  }
  // Only a store failure gets here (a claim or a read). Every other participant has finished by now;
  // throwing makes Netlify deliver the run again, and the claims keep finished ones from being called twice.
  if (failures.length) {
    for (const error of failures) log.error('participant_run_failed', { chatId, error: describeError(error) })
    throw failures[0]
  }
  return { chatId, found: true, turn: turn.turn, outcomes }
}
