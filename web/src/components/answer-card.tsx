import { useComputed, useSignal } from '@preact/signals'
import { useRef } from 'preact/hooks'
import type { ProviderResult, ResultStatus } from '../../../shared/types.ts'
import type { AppState } from '../app-state.ts'
import type { ChatSession, ColumnName, TurnSummary } from '../chat-session.ts'
import { costText, duration, errorHeadline, metrics } from '../format.ts'
import { memo } from '../memo.ts'
import { useKeepFocus } from './keep-focus.ts'
import { MarkdownView } from './markdown-view.tsx'

const STATUS_WORDS: Record<ResultStatus, string> = {
  queued: 'Queued',
  streaming: 'Streaming',
  done: 'Done',
  error: 'Error',
  cancelled: 'Cancelled',
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

export interface AnswerProps {
  chat: ChatSession
  state: AppState
  turn: TurnSummary
  participant: string
  name: ColumnName
  /** Names, models and costs are hidden (blind mode before a pick). */
  hidden: boolean
  /** The chat's latest turn: the only one whose answers can be retried. */
  latest: boolean
  /** The output cap this participant was sent, for the "cut off" note. */
  maxTokens: number | undefined
}

/**
 * One participant's answer in one turn. It reads its own answer signal, so a streamed update of this
 * answer redraws this card only; `memo` keeps the column's re-renders (a new turn, a pick) from
 * redrawing cards whose props did not change.
 */
export const AnswerCard = memo(function AnswerCard({ chat, state, turn, participant, name, hidden, latest, maxTokens }: AnswerProps) {
  const result = chat.cell(turn.turn, participant).value
  const retrying = useComputed(() => chat.pending.value[`retry:${participant}`] !== undefined).value
  const card = useRef<HTMLElement>(null)
  const status = result?.status ?? 'queued'
  const text = result?.text ?? ''
  const picked = turn.pick === participant
  const titleId = `${chat.id}-${participant}-${turn.turn}`
  const started = result?.timings.startedAt ?? result?.timings.queuedAt

  return (
    <article
      ref={card}
      class={`card answer ${status}${picked ? ' picked' : ''}`}
      data-participant={participant}
      data-provider={name.provider}
      data-status={status}
      data-turn={turn.turn}
      aria-labelledby={titleId}
      // Focus lands here after its Retry button goes away.
      tabIndex={-1}
    >
      <header class="answer-head">
        <h4 id={titleId}>
          <span class="sr-only">{name.title}, </span>Turn {turn.turn}
        </h4>
        <span class={`badge ${status}`} aria-live="polite">
          <span class="sr-only">{name.title}: </span>
          {retrying ? 'Retrying…' : STATUS_WORDS[status]}
          {result && result.attempt > 1 && ` · attempt ${result.attempt}`}
        </span>
        {status === 'streaming' && started && <Elapsed state={state} since={started} />}
        {picked && <span class="best-mark">Best</span>}
      </header>

      <div class="card-body">
        {status === 'queued' && <p class="placeholder">Waiting for {name.title} to start…</p>}
        {status === 'streaming' && !text && <p class="placeholder">Connected, waiting for the first words…</p>}
        {status === 'error' && (
          <div class="failure">
            <p class="headline">{errorHeadline(name.title, result?.error)}</p>
            {result?.error?.message && <p class="detail">{result.error.message}</p>}
          </div>
        )}
        {text && <MarkdownView text={text} streaming={status === 'streaming'} />}
        {status === 'cancelled' && (
          <p class="note">Cancelled{text ? ': the text above is what arrived before.' : ' before any text arrived.'}</p>
        )}
        {status === 'done' && result?.finishReason === 'length' && (
          <p class="note">
            Cut off: the answer reached the limit of {maxTokens ? `${maxTokens} tokens` : 'output tokens'}. Raise “Max
            tokens” in the options for a longer one.
          </p>
        )}
        {result?.truncated && <p class="note">Stopped: the answer reached the server’s length limit for one answer.</p>}
        {status === 'done' && result?.finishReason === 'content_filter' && (
          <p class="note">Stopped early by {name.title}’s content filter.</p>
        )}
      </div>

      {status === 'done' && result && <MetricList result={result} hidden={hidden} />}

      <footer class="card-actions">
        {status === 'done' && (
          <button
            type="button"
            aria-pressed={picked}
            aria-label={`${picked ? 'Best answer' : 'Best'} (turn ${turn.turn}, ${name.title})`}
            onClick={() => void chat.pick(turn.turn, participant)}
          >
            {picked ? 'Best answer' : 'Best'}
          </button>
        )}
        {text && <CopyButton text={text} />}
        {latest && (status === 'error' || status === 'cancelled') && (
          <RetryButton chat={chat} participant={participant} title={name.title} retrying={retrying} fallback={() => card.current} />
        )}
      </footer>
    </article>
  )
})

/** Seconds since the call started, from the page's one-second clock (only this line redraws). */
function Elapsed({ state, since }: { state: AppState; since: string }) {
  return (
    <span class="elapsed" title="Time since the call started">
      {Math.floor(Math.max(0, state.now.value - Date.parse(since)) / 1000)} s
    </span>
  )
}

function CopyButton({ text }: { text: string }) {
  const copied = useSignal<boolean | null>(null)
  return (
    <button
      type="button"
      onClick={async () => {
        copied.value = await copyText(text)
        setTimeout(() => (copied.value = null), 2000)
      }}
    >
      {copied.value === null ? 'Copy Markdown' : copied.value ? 'Copied' : 'Copy failed'}
    </button>
  )
}

interface RetryProps {
  chat: ChatSession
  participant: string
  title: string
  retrying: boolean
  fallback: () => HTMLElement | null
}

function RetryButton({ chat, participant, title, retrying, fallback }: RetryProps) {
  const button = useRef<HTMLButtonElement>(null)
  useKeepFocus(button, fallback)
  return (
    <button
      ref={button}
      type="button"
      // Not `disabled`: that would drop the keyboard focus while the retry is on its way.
      aria-disabled={retrying}
      onClick={() => {
        if (!retrying) void chat.retry(participant)
      }}
    >
      {retrying ? 'Retrying…' : `Retry ${title}`}
    </button>
  )
}

function MetricList({ result, hidden }: { result: ProviderResult; hidden: boolean }) {
  const { firstToken, total, tokensPerSecond } = metrics(result)
  const show = (value: number | undefined) => (value === undefined ? '—' : duration(value))
  return (
    <dl class="metrics">
      {!hidden && (
        <div>
          <dt>Model</dt>
          <dd title={result.model}>{result.model}</dd>
        </div>
      )}
      <div>
        <dt>Tokens in / out</dt>
        <dd>{result.usage ? `${result.usage.inputTokens} / ${result.usage.outputTokens}` : '—'}</dd>
      </div>
      <div>
        <dt>First token</dt>
        <dd>{show(firstToken)}</dd>
      </div>
      <div>
        <dt>Total</dt>
        <dd>{show(total)}</dd>
      </div>
      <div>
        <dt>Speed</dt>
        <dd>{tokensPerSecond === undefined ? '—' : `${Math.round(tokensPerSecond)} tokens/s`}</dd>
      </div>
      {!hidden && (
        <div>
          <dt>Cost</dt>
          <dd class="cost">{costText(result.cost)}</dd>
        </div>
      )}
    </dl>
  )
}
