import { useSignal } from '@preact/signals'
import { useLayoutEffect, useMemo, useRef } from 'preact/hooks'
import type { ChatSession } from '../chat-session.ts'
import { fold, wordDiff, type DiffPart } from '../word-diff.ts'

/**
 * Two answers of one turn, word by word on their Markdown source: deletions (only in the first) and
 * insertions (only in the second) marked, long unchanged runs folded, and the share of words in common.
 */
export function DiffView({ chat }: { chat: ChatSession }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useLayoutEffect(() => heading.current?.focus(), [])
  const selection = chat.diff.value
  if (!selection) return null
  const names = chat.names.value
  const turns = chat.turns.value.filter((turn) => turn.participants.length > 1)
  const turn = turns.find((item) => item.turn === selection.turn) ?? turns.at(-1)
  const ids = chat.columns.value.map((participant) => participant.id).filter((id) => turn?.participants.includes(id))
  const text = (id: string) => (turn ? (chat.cell(turn.turn, id).value?.text ?? '') : '')
  const nameOf = (id: string) => names.get(id)?.title ?? id
  const set = (change: Partial<typeof selection>) => (chat.diff.value = { ...selection, ...change })
  const left = ids.includes(selection.left) ? selection.left : ids[0]
  const right = ids.includes(selection.right) ? selection.right : ids[1]

  return (
    <section class="diff" aria-labelledby={`${chat.id}-diff`}>
      <header class="diff-head">
        <h3 id={`${chat.id}-diff`} tabIndex={-1} ref={heading}>
          Differences between two answers
        </h3>
        <button type="button" class="quiet" onClick={() => (chat.diff.value = null)}>
          Close the comparison
        </button>
      </header>
      {!turn || !left || !right ? (
        <p class="hint">No turn has two answers to compare yet.</p>
      ) : (
        <>
          <div class="row">
            {turns.length > 1 && (
              <label>
                Turn{' '}
                <select value={turn.turn} onChange={(event) => set({ turn: Number(event.currentTarget.value) })}>
                  {turns.map((item) => (
                    <option key={item.turn} value={item.turn}>
                      {item.turn}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <AnswerPicker label="From" value={left} ids={ids} nameOf={nameOf} onPick={(id) => set({ left: id })} />
            <AnswerPicker label="To" value={right} ids={ids} nameOf={nameOf} onPick={(id) => set({ right: id })} />
          </div>
          <Differences left={text(left)} right={text(right)} leftName={nameOf(left)} rightName={nameOf(right)} />
        </>
      )}
    </section>
  )
}

function Differences({ left, right, leftName, rightName }: { left: string; right: string; leftName: string; rightName: string }) {
  const result = useMemo(() => wordDiff(left, right), [left, right])
  const percent = Math.round(result.similarity * 100)
  return (
    <>
      <p class="similarity">
        <strong>{percent}% similar</strong> — the share of words the two answers have in common.
      </p>
      <p class="legend hint">
        <del>Struck through</del>: only in {leftName}. <ins>Underlined</ins>: only in {rightName}.
      </p>
      <div class="diff-text" dir="auto">
        {result.parts.map((part, index) => (
          <Part key={index} part={part} />
        ))}
      </div>
    </>
  )
}

function Part({ part }: { part: DiffPart }) {
  const open = useSignal(false)
  if (part.kind === 'added') return <ins>{part.text}</ins>
  if (part.kind === 'removed') return <del>{part.text}</del>
  const folded = fold(part.text)
  if (!folded) return <span>{part.text}</span>
  if (open.value) {
    return (
      <span>
        {folded.head}
        <button type="button" class="unfold" aria-expanded="true" onClick={() => (open.value = false)}>
          fold
        </button>
        {folded.hidden}
        {folded.tail}
      </span>
    )
  }
  return (
    <span>
      {folded.head}
      <button type="button" class="unfold" aria-expanded="false" onClick={() => (open.value = true)}>
        … {folded.hiddenWords} unchanged words …
      </button>
      {folded.tail}
    </span>
  )
}

/** A labelled choice of one answer of the turn. */
function AnswerPicker({ label, value, ids, nameOf, onPick }: { label: string; value: string; ids: string[]; nameOf: (id: string) => string; onPick: (id: string) => void }) {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(event) => onPick(event.currentTarget.value)}>
        {ids.map((id) => (
          <option key={id} value={id}>
            {nameOf(id)}
          </option>
        ))}
      </select>
    </label>
  )
}
