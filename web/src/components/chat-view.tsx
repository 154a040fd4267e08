import { useComputed } from '@preact/signals'
import type { Ref } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import type { AppState } from '../app-state.ts'
import type { ChatSession } from '../chat-session.ts'
import { clockTime, costText } from '../format.ts'
import { lazyModule } from '../lazy-module.ts'
import { Column } from './column.tsx'
import { FollowUp } from './follow-up.tsx'
import { useKeepFocus } from './keep-focus.ts'

/** The word diff view and jsdiff: fetched only when the user opens it. */
export const diffViews = lazyModule(() => import('./diff-view.tsx'))

/** The sentence under the chat's title: what the latest turn is doing, or why the chat cannot be shown. */
function StatusLine({ chat, lineRef }: { chat: ChatSession; lineRef: Ref<HTMLParagraphElement> }) {
  const doc = chat.doc.value
  const problem = chat.problem.value
  const latest = chat.turns.value.at(-1)
  const words = (() => {
    switch (chat.phase.value) {
      case 'reconnecting':
        return `Connection trouble — reconnecting… (${problem?.message ?? 'no answer'})`
      case 'paused':
        return doc
          ? `Still running — results stay available until ${clockTime(doc.expiresAt)}. The page stopped checking after two minutes.`
          : 'The page stopped checking after two minutes.'
      case 'missing':
        return problem?.status === 410 ? 'This chat has expired, and its answers are no longer kept.' : 'No chat was found at this link.'
      case 'broken':
        return `This chat cannot be shown: ${problem?.message ?? 'unknown error'}`
    }
    if (!latest) return chat.phase.value === 'loading' ? 'Loading the chat…' : ''
    const results = latest.participants.map((id) => chat.cell(latest.turn, id).value)
    const answered = results.filter((result) => result?.status === 'done').length
    const prefix = chat.turns.value.length > 1 ? `Turn ${latest.turn}: ` : ''
    switch (latest.status) {
      case 'pending':
        return `${prefix}Waiting for the models to start…`
      case 'processing':
        return `${prefix}Answers are arriving: ${answered} of ${results.length} done.`
      case 'completed':
        return prefix + (answered === results.length ? 'All answers are in.' : `Finished: ${answered} of ${results.length} answered.`)
      case 'failed':
        return `${prefix}Finished: no model answered.`
    }
  })()
  return (
    <p role="status" tabIndex={-1} ref={lineRef}>
      {words}
    </p>
  )
}

/** When the chat was asked, its shared settings and its total cost so far. */
function ChatMeta({ chat }: { chat: ChatSession }) {
  const doc = chat.doc.value
  if (!doc) return null
  const request = doc.request
  return (
    <p class="meta">
      <time dateTime={doc.createdAt}>{clockTime(doc.createdAt)}</time>
      {request.system && <span> · system prompt</span>}
      {request.temperature !== undefined && <span> · temperature {request.temperature}</span>}
      <span> · max {request.maxTokens} tokens</span>
      {!chat.hidden.value && doc.totalCostUsd !== undefined && (
        <span class="total-cost"> · total cost {costText(doc.totalCostUsd === null ? null : { totalUsd: doc.totalCostUsd })}</span>
      )}
      {doc.demo && <span class="tag">demo</span>}
    </p>
  )
}

function CancelButton({ chat, fallback }: { chat: ChatSession; fallback: () => HTMLElement | null }) {
  const button = useRef<HTMLButtonElement>(null)
  const cancelling = chat.pending.value.cancel !== undefined
  // Once the chat is final the button goes; the focus moves to the status line, which says how it ended.
  useKeepFocus(button, fallback)
  return (
    <button
      type="button"
      ref={button}
      // Not `disabled`: that would drop the keyboard focus to <body> while the cancel is on its way.
      aria-disabled={cancelling}
      onClick={() => {
        if (!cancelling) void chat.cancel()
      }}
    >
      {cancelling ? 'Cancelling…' : 'Cancel'}
    </button>
  )
}

function ChatTools({ chat, state, fallback }: { chat: ChatSession; state: AppState; fallback: () => HTMLElement | null }) {
  const pending = chat.pending.value
  const hasDoc = useComputed(() => chat.doc.value !== null).value
  return (
    <div class="chat-tools">
      {chat.running.value && <CancelButton chat={chat} fallback={fallback} />}
      <label class="check">
        <input type="checkbox" checked={chat.blind.value} onChange={(event) => chat.setBlind(event.currentTarget.checked)} />
        Blind{chat.blind.value && chat.revealed.value ? ' (revealed)' : ''}
      </label>
      {hasDoc && (
        <>
          <button type="button" onClick={() => (chat.diff.value = defaultDiff(chat))}>
            Compare two answers
          </button>
          <button type="button" aria-disabled={pending.export !== undefined} onClick={() => void chat.exportAs('md')}>
            Export Markdown
          </button>
          <button type="button" aria-disabled={pending.export !== undefined} onClick={() => void chat.exportAs('json')}>
            Export JSON
          </button>
          <button type="button" onClick={() => void chat.copyAll()}>
            Copy all as Markdown
          </button>
        </>
      )}
      <button type="button" class="quiet" aria-label="Close this chat" onClick={() => state.closeChat(chat.id)}>
        Close
      </button>
    </div>
  )
}

/** The latest turn with two answers that have text, and its first two such answers in display order. */
function defaultDiff(chat: ChatSession) {
  for (const turn of [...chat.turns.value].reverse()) {
    const ids = chat.columns.value
      .map((participant) => participant.id)
      .filter((id) => turn.participants.includes(id) && chat.cell(turn.turn, id).value?.text)
    if (ids.length >= 2) return { turn: turn.turn, left: ids[0]!, right: ids[1]! }
  }
  const latest = chat.turns.value.at(-1)
  const ids = latest?.participants ?? []
  return { turn: latest?.turn ?? 1, left: ids[0] ?? '', right: ids[1] ?? ids[0] ?? '' }
}

function DiffPanel({ chat }: { chat: ChatSession }) {
  const View = diffViews.current.value
  useEffect(() => void diffViews.load(), [])
  if (View) return <View.DiffView chat={chat} />
  return (
    <p class={diffViews.failed.value ? 'problem' : 'hint'} role="status">
      {diffViews.failed.value ? 'The comparison could not be loaded. Try again.' : 'Loading the comparison…'}
    </p>
  )
}

/** One chat: its first message as title, its tools and status, one column per participant, and the follow-up box. */
export function ChatView({ chat, state }: { chat: ChatSession; state: AppState }) {
  const section = useRef<HTMLElement>(null)
  const status = useRef<HTMLParagraphElement>(null)
  useEffect(() => section.current?.scrollIntoView?.({ block: 'nearest' }), [])

  const phase = chat.phase.value
  const columns = chat.columns.value
  const expanded = chat.expanded.value
  const title = chat.turns.value[0]?.message
  const titleId = `chat-${chat.id}`
  const shown = phase === 'missing' ? [] : columns
  const hasDoc = useComputed(() => chat.doc.value !== null).value

  return (
    <section class="chat" ref={section} aria-labelledby={titleId} data-chat={chat.id} data-phase={phase}>
      <header class="chat-head">
        <h2 id={titleId} class="prompt" dir="auto">
          {title ?? 'Chat'}
        </h2>
        <ChatTools chat={chat} state={state} fallback={() => status.current} />
        <ChatMeta chat={chat} />
      </header>

      <div class={`chat-status ${phase}`}>
        <StatusLine chat={chat} lineRef={status} />
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
        <p class="sr-only" aria-live="polite">
          {chat.announcement.value}
        </p>
      </div>

      {shown.length > 0 && (
        <div class={`columns${expanded ? ' has-expanded' : ''}`} data-count={Math.min(shown.length, 8)}>
          {shown.map((participant) => (
            <Column key={participant.id} chat={chat} state={state} participant={participant} />
          ))}
        </div>
      )}

      {hasDoc && phase !== 'missing' && phase !== 'broken' && <FollowUp chat={chat} />}
      {chat.diff.value && <DiffPanel chat={chat} />}
    </section>
  )
}
