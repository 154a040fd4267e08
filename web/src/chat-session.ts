/**
 * One open chat: its turns and answers, the loop that keeps them fresh, and what the user can do
 * with it (cancel, retry, follow up, pick the best answer, compare blind, export).
 *
 * The loop long-polls `GET /api/ai/chat/<id>?since=<version>&wait=2000&turns=latest`: the server
 * answers at once when a participant changes state, else after about two seconds (200 with grown
 * text, or 304). The first request asks for the whole document (every turn with its answers); later
 * ones only for the latest turn's answers. The next request starts when the previous one ended, and
 * all chats of a page share one lane, so a page never has two status requests in flight. Network
 * errors, 5xx and 429 back off 0.5, 1, 2, 2 s… (with jitter) while the chat shows "reconnecting", and
 * the browser's `online` and `visibilitychange` events end a backoff at once (`wake()`); after two
 * minutes the loop pauses until `resume()`.
 */
import { batch, computed, signal } from '@preact/signals'
import type { Limits, Participant, StatusDocument } from '../../shared/types.ts'
import { actionFailed, ApiError, messageOf, PageError, WAIT_MS, type Api } from './api.ts'
import { blindOrder, letterOf } from './blind.ts'
import { createConversation, isFinalStatus, participantIds, type TurnSummary } from './conversation.ts'
import { DEFAULT_LIMITS, lengthNote } from './limits.ts'

/** How long a chat is polled before the page stops and offers to resume. */
export const GIVE_UP_MS = 120_000
/** The longest pause between two status requests after a failure, so a recovery shows within ~2 s. */
export const MAX_BACKOFF_MS = 2000

/**
 * `loading` before the first document; `live` while polling; `reconnecting` while backing off;
 * `paused` after the give-up; `final` once the latest turn completed or failed; `missing` for
 * 404/410; `broken` for any other refusal.
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

/** 0.5 s, 1 s, 2 s, 2 s… each ±20 % (never over 2 s), or the server's Retry-After when longer. */
export function backoff(failures: number, retryAfterSeconds = 0, random = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (failures - 1))
  const jittered = Math.min(MAX_BACKOFF_MS, Math.round(base * (0.8 + random() * 0.4)))
  return Math.max(retryAfterSeconds * 1000, jittered)
}

/** A pause that ends early on `abort`, or when the function handed to `onWake` is called. */
function pause(milliseconds: number, abort: AbortSignal, onWake?: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, milliseconds)
    onWake?.(() => (clearTimeout(timer), resolve()))
    abort.addEventListener('abort', () => (clearTimeout(timer), reject(abort.reason)), { once: true })
  })
}

export const isChatFinal = (doc: StatusDocument | null) => isFinalStatus(doc?.status)

/** How a column is named: its provider and model, or only a letter while the chat is blind. */
export interface ColumnName {
  /** A, B, C… in display order. */
  letter: string
  /** "OpenAI", "OpenAI 2" for a second OpenAI column, or "Model A" while blind. */
  title: string
  /** The provider id and model, absent while blind. */
  provider?: string
  model?: string
}

export interface ChatSessionOptions {
  api: Api
  lane: Lane
  /** The server's limits (message length, turns); default: the server's defaults. */
  limits?: () => Limits
  /** A provider's name for people; default: its id. */
  label?: (provider: string) => string
  /** A chat this page just created: its columns and Cancel show before its first status document. */
  created?: { message: string; participants: Array<{ provider: string; model: string }> }
  /** Start blind (columns shuffled and named A, B, … until a pick). */
  blind?: boolean
  onBlind?: (on: boolean) => void
  onDocument?: (doc: StatusDocument) => void
  onMissing?: (error: ApiError) => void
  /** Start polling at once (default). The render benchmark feeds documents by hand. */
  autostart?: boolean
}

export function openChatSession(id: string, options: ChatSessionOptions) {
  const { api, lane, limits = () => DEFAULT_LIMITS, label = (provider: string) => provider } = options
  const conversation = createConversation()
  const { participants, turns } = conversation
  const doc = signal<StatusDocument | null>(null)
  /** The chat's creation request (its chat-level settings); changes only when its content does. */
  const request = signal<StatusDocument['request'] | null>(null)
  const phase = signal<ChatPhase>('loading')
  /** The failure behind `reconnecting`, `missing` or `broken`. */
  const problem = signal<ApiError | null>(null)
  /** Which action failed and why ("Could not cancel: …"); cleared once it no longer applies. */
  const actionError = signal<string | null>(null)
  /** A short announcement for screen readers after an action ("Retrying Model B.") */
  const announcement = signal('')
  /**
   * Actions in flight: `cancel`, `send`, `pick`, `export`, `copy`, or `retry:<participant>` with the
   * attempt it replaces. Each is settled once the server's document shows its effect.
   */
  const pending = signal<Record<string, number>>({})
  /** A follow-up the server accepted and the document does not show yet. */
  const awaitingTurn = signal<number | null>(null)

  const blind = signal(!!options.blind)
  /** Blind mode ends its secrecy once the user picked a best answer. */
  const revealed = computed(() => turns.value.some((summary) => summary.pick !== null))
  const hidden = computed(() => blind.value && !revealed.value)
  /** The columns in display order: the chat's order, or shuffled by chat id while blind. */
  const columns = computed(() => (blind.value ? blindOrder(id, participants.value) : participants.value))
  const names = computed(() => {
    const counts = new Map<string, number>()
    for (const participant of participants.value) counts.set(participant.provider, (counts.get(participant.provider) ?? 0) + 1)
    return new Map<string, ColumnName>(
      columns.value.map((participant, index) => {
        const letter = letterOf(index)
        if (hidden.value) return [participant.id, { letter, title: `Model ${letter}` }]
        const repeat = participant.id.startsWith(`${participant.provider}-`) ? participant.id.slice(participant.provider.length + 1) : ''
        const name = participant.label ?? label(participant.provider)
        const title = counts.get(participant.provider)! > 1 && /^\d+$/.test(repeat) ? `${name} ${repeat}` : name
        return [participant.id, { letter, title, provider: participant.provider, model: participant.model }]
      }),
    )
  })

  /** The latest turn runs (or the chat was just created, or a follow-up was just accepted). */
  const running = computed(() => {
    if (phase.value === 'missing' || phase.value === 'broken') return false
    if (awaitingTurn.value !== null) return true
    if (!doc.value) return !!options.created
    return !isChatFinal(doc.value)
  })

  /** Column expanded to the full width, or null. */
  const expanded = signal<string | null>(null)
  /** The follow-up being written, and the columns left out of it ("continue with these"). */
  const followUp = signal('')
  const excluded = signal<string[]>([])
  const continuing = computed(() => columns.value.filter((participant) => !excluded.value.includes(participant.id)).map((p) => p.id))
  const followUpLength = computed(() => lengthNote('The follow-up', followUp.value.length, limits().maxMessageChars))
  /** Why a follow-up cannot be sent now, in words; null when it can (or only the text is missing). */
  const followUpBlocked = computed((): string | null => {
    if (pending.value.send !== undefined) return 'Sending…'
    if (running.value) return 'Wait until every answer of this turn is in (or cancel it) before sending a follow-up.'
    const maxTurns = limits().maxTurns
    if (maxTurns && turns.value.length >= maxTurns) return `This chat has reached its limit of ${maxTurns} turns; start a new chat to go on.`
    if (!continuing.value.length) return 'Check at least one column to continue with.'
    if (followUpLength.value?.over) return followUpLength.value.text
    return null
  })
  /** Two answers of one turn shown word by word, or null. */
  const diff = signal<{ turn: number; left: string; right: string } | null>(null)

  let controller: AbortController | null = null
  let wakeUp: (() => void) | null = null
  let disposed = false

  if (options.created) {
    const ids = participantIds(options.created.participants.map((participant) => participant.provider))
    const placeholders: Participant[] = options.created.participants.map((participant, index) => ({
      id: ids[index]!,
      provider: participant.provider,
      model: participant.model,
      params: { model: participant.model, maxTokens: 0 },
    }))
    conversation.expect(
      { turn: 1, message: options.created.message, createdAt: new Date().toISOString(), status: 'pending', completedAt: null, pick: null, participants: ids },
      placeholders,
    )
  }

  function settle(key: string, value?: number) {
    const next = { ...pending.value }
    if (value === undefined) delete next[key]
    else next[key] = value
    pending.value = next
  }

  function receive(next: StatusDocument) {
    const wasFinal = isChatFinal(doc.value)
    batch(() => {
      doc.value = next
      if (JSON.stringify(request.value) !== JSON.stringify(next.request)) request.value = next.request
      conversation.ingest(next)
      const latest = turns.value.at(-1)
      if (awaitingTurn.value !== null && latest && latest.turn >= awaitingTurn.value) awaitingTurn.value = null
      // A cancel is done once the chat is final; a retry once the server shows its new attempt.
      for (const [key, attempt] of Object.entries(pending.value)) {
        if (key === 'cancel' && isChatFinal(next)) settle(key)
        if (key.startsWith('retry:') && latest) {
          const result = conversation.cell(latest.turn, key.slice(6)).value
          if (result && result.attempt > attempt) settle(key)
        }
      }
      // An error about a running chat no longer applies once it is over.
      if (!wasFinal && isChatFinal(next) && awaitingTurn.value === null) actionError.value = null
    })
    options.onDocument?.(next)
  }

  /** Polling goes on while the latest turn runs, or while an action waits to show its effect. */
  const keepPolling = () =>
    !isChatFinal(doc.value) || awaitingTurn.value !== null || Object.keys(pending.value).some((key) => key === 'cancel' || key.startsWith('retry:'))

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
        const held = doc.value
        const query = { since: held?.version, latestOnly: !!held && !conversation.missingResults() }
        const next = await lane(() => api.status(id, query, abort))
        failures = 0
        batch(() => {
          if (next) receive(next)
          problem.value = null
          phase.value = keepPolling() ? 'live' : 'final'
        })
        if (phase.value === 'final') return
        // A 304 that came back at once means a server that does not hold: wait out the rest of WAIT_MS.
        if (!next && Date.now() - sentAt < WAIT_MS / 2) await pause(WAIT_MS - (Date.now() - sentAt), abort)
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
        await pause(backoff(failures, failure.retryAfter), abort, (wake) => (wakeUp = wake)).catch(() => {})
        wakeUp = null
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

  /**
   * Runs a user action once at a time. `action` names it for the error ("Could not cancel: …"); a
   * success clears an earlier error.
   */
  async function act(key: string, action: string, run: () => Promise<void>, attempt = 0) {
    if (pending.value[key] !== undefined) return
    settle(key, attempt)
    try {
      await run()
      actionError.value = null
    } catch (error) {
      settle(key)
      actionError.value = actionFailed(action, error)
    }
  }

  const nameOf = (participant: string) => names.value.get(participant)?.title ?? participant

  if (options.autostart !== false) resume()

  return {
    id,
    doc,
    request,
    phase,
    problem,
    actionError,
    announcement,
    pending,
    participants,
    turns,
    /** The answer of one participant in one turn, as a signal of its own. */
    cell: conversation.cell,
    running,
    blind,
    revealed,
    hidden,
    columns,
    names,
    expanded,
    followUp,
    excluded,
    continuing,
    followUpLength,
    followUpBlocked,
    diff,
    /** Takes in a status document (the loop does this; the render benchmark calls it directly). */
    receive,
    resume,
    /** Tries again at once when the loop is backing off or has given up (back online, tab visible). */
    wake() {
      if (wakeUp) wakeUp()
      else if (phase.value === 'paused') resume()
    },

    cancel: () =>
      act('cancel', 'cancel', async () => {
        await api.cancel(id)
        announcement.value = 'Cancelling the answers still running.'
        // It changes a running chat: watch it until it is final.
        if (isChatFinal(doc.value) && awaitingTurn.value === null) settle('cancel')
        else resume()
      }),

    retry(participant: string) {
      const latest = turns.value.at(-1)
      const attempt = latest ? (conversation.cell(latest.turn, participant).value?.attempt ?? 0) : 0
      const name = nameOf(participant)
      return act(
        `retry:${participant}`,
        `retry ${name}`,
        async () => {
          await api.retry(id, participant)
          announcement.value = `Retrying ${name}.`
          resume()
        },
        attempt,
      )
    },

    /** Marks an answer as the best of its turn, or clears the mark when it is already the pick. */
    pick(turn: number, participant: string) {
      const current = turns.value.find((summary) => summary.turn === turn)?.pick
      const clearing = current === participant
      return act('pick', clearing ? 'clear the best answer' : 'mark the best answer', async () => {
        const answer = clearing ? await api.unpick(id, turn) : await api.pick(id, turn, participant)
        settle('pick')
        conversation.setPick(answer.turn, answer.pick)
        announcement.value = answer.pick ? `${nameOf(answer.pick)} is marked as the best answer of turn ${answer.turn}.` : `No best answer for turn ${answer.turn}.`
      })
    },

    /** Sends the follow-up to the checked columns (all of them: no `participants` in the body). */
    sendFollowUp() {
      const message = followUp.value
      if (!message.trim() || followUpBlocked.value) return Promise.resolve()
      const chosen = continuing.value
      const all = chosen.length === participants.value.length
      // One key per user action: the retries of this POST reuse it, so the turn is created once.
      const key = crypto.randomUUID()
      return act('send', 'send the follow-up', async () => {
        const accepted = await api.sendMessage(id, all ? { message } : { message, participants: chosen }, key)
        batch(() => {
          settle('send')
          followUp.value = ''
          awaitingTurn.value = accepted.turn
          const order = participants.value.map((participant) => participant.id).filter((item) => chosen.includes(item))
          conversation.expect({
            turn: accepted.turn,
            message,
            createdAt: new Date().toISOString(),
            status: 'pending',
            completedAt: null,
            pick: null,
            participants: order,
          })
        })
        resume()
      })
    },

    setBlind(on: boolean) {
      blind.value = on
      options.onBlind?.(on)
    },

    /** Includes or leaves out a column of the next follow-up. */
    setContinuing(participant: string, on: boolean) {
      excluded.value = on ? excluded.value.filter((item) => item !== participant) : [...excluded.value, participant]
    },

    /** Downloads the server's export (Markdown or JSON), named as the server names it. */
    exportAs(format: 'md' | 'json') {
      return act('export', `export the chat as ${format === 'md' ? 'Markdown' : 'JSON'}`, async () => {
        const [file, { download }] = await Promise.all([api.exportChat(id, format), import('./export-chat.ts')])
        download(file)
        settle('export')
        announcement.value = `Downloading ${file.filename}.`
      })
    },

    /** Copies every turn and answer as one Markdown text. */
    copyAll() {
      return act('copy', 'copy the chat', async () => {
        const { transcript } = await import('./export-chat.ts')
        const text = transcript({
          title: turns.value[0]?.message ?? '',
          turns: turns.value.map((summary) => ({
            ...summary,
            answers: columns.value
              .filter((participant) => summary.participants.includes(participant.id))
              .map((participant) => ({ id: participant.id, name: names.value.get(participant.id)!, result: conversation.cell(summary.turn, participant.id).value })),
          })),
        })
        await navigator.clipboard.writeText(text).catch(() => {
          throw new PageError('the browser did not allow access to the clipboard.')
        })
        settle('copy')
        announcement.value = 'The whole chat is copied as Markdown.'
      })
    },

    /** Stops polling for good: the chat was closed or the page unmounted. */
    dispose() {
      disposed = true
      controller?.abort()
      controller = null
    },
  }
}

export type ChatSession = ReturnType<typeof openChatSession>
export type { TurnSummary }
