import { useEffect, useRef } from 'preact/hooks'
import type { ProviderId } from '../../../shared/catalogue.ts'
import type { StatusDocument } from '../../../shared/types.ts'
import type { AppState } from '../app-state.ts'
import type { ChatSession } from '../chat-session.ts'
import { clockTime } from '../format.ts'
import { ProviderCard } from './provider-card.tsx'

function statusLine(chat: ChatSession, doc: StatusDocument | null): string {
  const problem = chat.problem.value
  switch (chat.phase.value) {
    case 'loading':
      return 'Loading the chat…'
    case 'reconnecting':
      return `Connection trouble (${problem?.message ?? 'no answer'}) — reconnecting…`
    case 'paused':
      return doc
        ? `Still running — results stay available until ${clockTime(doc.expiresAt)}. The page stopped checking after two minutes.`
        : 'The page stopped checking after two minutes.'
    case 'missing':
      return problem?.status === 410
        ? `This chat has expired: results are kept for a limited time and these are gone. ${problem.message}`
        : `No chat was found at this link. Check the address, or ask a new question. ${problem?.message ?? ''}`
    case 'broken':
      return `This chat cannot be shown: ${problem?.message ?? 'unknown error'}`
  }
  if (!doc) return ''
  const results = Object.values(doc.results)
  const answered = results.filter((result) => result.status === 'done').length
  switch (doc.status) {
    case 'pending':
      return 'Waiting for the providers to start…'
    case 'processing':
      return `Answers are arriving: ${answered} of ${results.length} done.`
    case 'completed':
      return answered === results.length ? 'All answers are in.' : `Finished: ${answered} of ${results.length} answered.`
    case 'failed':
      return 'Finished: no provider answered.'
  }
}

/** One chat: its prompt, its status line and one card per requested provider in catalogue order. */
export function ChatView({ chat, state }: { chat: ChatSession; state: AppState }) {
  const section = useRef<HTMLElement>(null)
  useEffect(() => section.current?.scrollIntoView?.({ block: 'nearest' }), [])

  const doc = chat.doc.value
  const phase = chat.phase.value
  const providers = doc ? (Object.keys(doc.results) as ProviderId[]) : chat.requested
  const running = !!doc && (doc.status === 'pending' || doc.status === 'processing') && phase !== 'missing'
  const titleId = `chat-${chat.id}`
  const request = doc?.request

  return (
    <section class="chat" ref={section} aria-labelledby={titleId} data-chat={chat.id} data-phase={phase}>
      <header class="chat-head">
        <h2 id={titleId} class="prompt">
          {request?.message ?? (chat.prompt || 'Chat')}
        </h2>
        <div class="chat-tools">
          {running && (
            <button type="button" disabled={chat.pending.value.cancel !== undefined} onClick={() => void chat.cancel()}>
              {chat.pending.value.cancel !== undefined ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          <button type="button" class="quiet" aria-label="Close this chat" onClick={() => state.closeChat(chat.id)}>
            Close
          </button>
        </div>
        {doc && (
          <p class="meta">
            <time dateTime={doc.createdAt}>{clockTime(doc.createdAt)}</time>
            {request?.system && <span> · system prompt</span>}
            {request?.temperature !== undefined && <span> · temperature {request.temperature}</span>}
            <span> · max {request?.maxTokens} tokens</span>
            {doc.demo && <span class="tag">demo</span>}
          </p>
        )}
      </header>

      <div class={`chat-status ${phase}`}>
        <p role="status">{statusLine(chat, doc)}</p>
        {phase === 'paused' && (
          <button type="button" onClick={chat.resume}>
            Keep waiting
          </button>
        )}
        {chat.actionError.value && (
          <p class="problem" role="alert">
            {chat.actionError.value}
          </p>
        )}
      </div>

      {providers.length > 0 && phase !== 'missing' && (
        <div class="cards">
          {providers.map((id) => (
            <ProviderCard
              key={id}
              id={id}
              chat={chat}
              result={doc?.results[id]}
              maxTokens={request?.maxTokens}
              now={state.now.value}
            />
          ))}
        </div>
      )}
    </section>
  )
}
