import { useSignal } from '@preact/signals'
import { PROVIDERS, type ProviderId } from '../../../shared/catalogue.ts'
import type { ProviderResult, ResultStatus } from '../../../shared/types.ts'
import type { ChatSession } from '../chat-session.ts'
import { duration, errorHeadline, metrics } from '../format.ts'
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

interface CardProps {
  id: ProviderId
  chat: ChatSession
  /** Absent until the chat's first status document arrives. */
  result?: ProviderResult
  maxTokens?: number
  now: number
}

/** One provider's answer in one of its five states; it never depends on another card. */
export function ProviderCard({ id, chat, result, maxTokens, now }: CardProps) {
  const copied = useSignal<boolean | null>(null)
  const label = PROVIDERS[id].label
  const status = result?.status ?? 'queued'
  const text = result?.text ?? ''
  const retrying = chat.pending.value[id] !== undefined
  const titleId = `${chat.id}-${id}`
  const started = result?.timings.startedAt ?? result?.timings.queuedAt

  return (
    <article class={`card ${status}`} data-provider={id} data-status={status} aria-labelledby={titleId}>
      <header class="card-head">
        <h3 id={titleId}>{label}</h3>
        {result?.model && <code class="model">{result.model}</code>}
        <span class={`badge ${status}`} aria-live="polite">
          <span class="sr-only">{label}: </span>
          {retrying ? 'Retrying…' : STATUS_WORDS[status]}
          {result && result.attempt > 1 && ` · attempt ${result.attempt}`}
        </span>
        {status === 'streaming' && started && (
          <span class="elapsed" title="Time since the call started">
            {Math.floor(Math.max(0, now - Date.parse(started)) / 1000)} s
          </span>
        )}
      </header>

      <div class="card-body">
        {status === 'queued' && <p class="placeholder">Waiting for {label} to start…</p>}
        {status === 'streaming' && !text && <p class="placeholder">Connected, waiting for the first words…</p>}
        {status === 'error' && (
          <div class="failure">
            <p class="headline">{errorHeadline(label, result?.error)}</p>
            {result?.error?.message && <p class="detail">{result.error.message}</p>}
          </div>
        )}
        {text && <MarkdownView text={text} />}
        {status === 'cancelled' && (
          <p class="note">Cancelled{text ? ': the text above is what arrived before.' : ' before any text arrived.'}</p>
        )}
        {status === 'done' && result?.finishReason === 'length' && (
          <p class="note">
            Cut off: the answer reached the limit of {maxTokens ? `${maxTokens} tokens` : 'output tokens'}. Raise “Max
            tokens” in the options for a longer one.
          </p>
        )}
        {status === 'done' && result?.finishReason === 'content_filter' && (
          <p class="note">Stopped early by {label}’s content filter.</p>
        )}
      </div>

      {status === 'done' && result && <MetricList result={result} />}

      <footer class="card-actions">
        {text && (
          <button
            type="button"
            onClick={async () => {
              copied.value = await copyText(text)
              setTimeout(() => (copied.value = null), 2000)
            }}
          >
            {copied.value === null ? 'Copy Markdown' : copied.value ? 'Copied' : 'Copy failed'}
          </button>
        )}
        {(status === 'error' || status === 'cancelled') && (
          <button type="button" disabled={retrying} onClick={() => void chat.retry(id)}>
            {retrying ? 'Retrying…' : `Retry ${label}`}
          </button>
        )}
      </footer>
    </article>
  )
}

function MetricList({ result }: { result: ProviderResult }) {
  const { firstToken, total, tokensPerSecond } = metrics(result)
  const show = (value: number | undefined) => (value === undefined ? '—' : duration(value))
  return (
    <dl class="metrics">
      <div>
        <dt>Model</dt>
        <dd>{result.model}</dd>
      </div>
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
    </dl>
  )
}
