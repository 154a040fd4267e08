import { useEffect, useRef } from 'preact/hooks'
import type { Participant, ProviderParams } from '../../../shared/types.ts'
import type { AppState } from '../app-state.ts'
import type { ChatSession } from '../chat-session.ts'
import { friendlyNote } from '../format.ts'
import { markdown } from '../markdown.ts'
import { memo } from '../memo.ts'
import { AnswerCard } from './answer-card.tsx'

interface ColumnProps {
  chat: ChatSession
  state: AppState
  participant: Participant
}

/**
 * One participant's conversation: its name, what it was sent, and turn by turn the user's message
 * and its answer. It redraws when the turn list or the names change, not when an answer streams.
 */
export const Column = memo(function Column({ chat, state, participant }: ColumnProps) {
  const body = useRef<HTMLDivElement>(null)
  const { id } = participant
  const name = chat.names.value.get(id) ?? { letter: '?', title: id }
  const hidden = chat.hidden.value
  const turns = chat.turns.value
  const expanded = chat.expanded.value === id
  const continuing = !chat.excluded.value.includes(id)
  const latest = turns.at(-1)?.turn
  const headId = `${chat.id}-${id}-head`

  // The column opens on its latest exchange, and moves to each new one (again once Markdown has
  // rendered, which changes the heights above it).
  const rendered = !!markdown.current.value
  useEffect(() => {
    const element = body.current
    const last = element?.lastElementChild
    if (element && last) element.scrollTop += last.getBoundingClientRect().top - element.getBoundingClientRect().top
  }, [turns.length, rendered])

  return (
    <section
      class={`column${expanded ? ' expanded' : ''}`}
      data-participant={id}
      data-provider={name.provider}
      aria-labelledby={headId}
    >
      <header class="column-head">
        {chat.blind.value && (
          <span class="letter" aria-hidden="true">
            {name.letter}
          </span>
        )}
        <h3 id={headId} title={name.title}>
          {name.title}
        </h3>
        {name.model && (
          <span class="model" title={name.model}>
            {name.model}
          </span>
        )}
      </header>
      {!hidden && <Sent chat={chat} params={participant.params} />}
      <div class="column-tools">
        <label class="check">
          <input
            type="checkbox"
            aria-label={`Continue with this one (${name.title})`}
            checked={continuing}
            onChange={(event) => chat.setContinuing(id, event.currentTarget.checked)}
          />
          Continue with this one
        </label>
        <button
          type="button"
          class="quiet"
          aria-pressed={expanded}
          aria-label={`${expanded ? 'Show all columns' : 'Expand'} (${name.title})`}
          onClick={() => (chat.expanded.value = expanded ? null : id)}
        >
          {expanded ? 'Show all columns' : 'Expand'}
        </button>
      </div>
      <div class="column-body" ref={body} tabIndex={0} role="region" aria-label={`Conversation with ${name.title}`}>
        {turns.map((turn) =>
          turn.participants.includes(id) ? (
            <div class="exchange" key={turn.turn}>
              <p class="said" dir="auto">
                <span class="sr-only">You asked: </span>
                {turn.message}
              </p>
              <AnswerCard
                chat={chat}
                state={state}
                turn={turn}
                participant={id}
                name={name}
                hidden={hidden}
                latest={turn.turn === latest}
                maxTokens={participant.params.maxTokens || undefined}
              />
            </div>
          ) : (
            <p class="left-out" key={turn.turn}>
              Not asked in turn {turn.turn}.
            </p>
          ),
        )}
      </div>
    </section>
  )
})

/**
 * What this participant was actually sent when it differs from the chat's settings, and the server's
 * notes on why ("Max tokens lowered from 99,999 to the server cap of 4,096.").
 */
function Sent({ chat, params }: { chat: ChatSession; params: ProviderParams }) {
  const request = chat.request.value
  const own: string[] = []
  if (request && params.system !== undefined && params.system !== request.system) own.push('own system prompt')
  if (request && params.temperature !== undefined && params.temperature !== request.temperature) own.push(`temperature ${params.temperature}`)
  if (request && params.maxTokens && params.maxTokens !== request.maxTokens) own.push(`max ${params.maxTokens} tokens`)
  if (!own.length && !params.notes?.length) return null
  return (
    <div class="sent">
      {own.length > 0 && <p class="custom">Own settings: {own.join(', ')}</p>}
      {params.notes?.length ? (
        <ul class="notes" aria-label="Adjusted for this model">
          {params.notes.map((note) => (
            <li key={note}>{friendlyNote(note)}</li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}
