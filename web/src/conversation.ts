/**
 * A chat's turns and answers as signals that change only where the server's document changed.
 *
 * Each status document is a fresh JSON object, so rendering it as it comes would redraw every card on
 * every poll. Instead each answer (one participant in one turn) lives in its own signal that is set
 * only when that answer differs, and the turn list and participant list keep their identity while
 * their content is the same. A streaming update then redraws one card, whatever the chat's size.
 *
 * With `?turns=latest` earlier turns arrive without their results: the answers already held are kept.
 */
import { batch, signal, type Signal } from '@preact/signals'
import type { ChatStatus, Participant, ProviderResult, StatusDocument, Turn } from '../../shared/types.ts'

/** A turn without its results (those are in the answer signals), with its participants always listed. */
export type TurnSummary = Omit<Turn, 'results' | 'participants'> & { participants: string[] }

/** The results of a turn keyed by participant id. */
export type TurnResults = Record<string, ProviderResult>

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b)

/** The participants of a document; a server without `participants` gives one per result. */
export function participantsOf(doc: StatusDocument): Participant[] {
  if (doc.participants?.length) return doc.participants
  return Object.entries(doc.results).map(([id, result]) => ({
    id,
    provider: result.provider ?? id,
    model: result.model,
    params: { model: result.model, maxTokens: doc.request.maxTokens },
  }))
}

/** The turns of a document; a server without `turns` gives its one turn. */
export function turnsOf(doc: StatusDocument): Turn[] {
  if (doc.turns?.length) return doc.turns
  return [
    {
      turn: 1,
      message: doc.request.message,
      createdAt: doc.createdAt,
      status: doc.status,
      completedAt: doc.completedAt,
      pick: null,
      participants: Object.keys(doc.results),
      totalCostUsd: doc.totalCostUsd ?? null,
      results: doc.results,
    },
  ]
}

export const isFinalStatus = (status: ChatStatus | undefined) => status === 'completed' || status === 'failed'

export function createConversation() {
  const participants = signal<Participant[]>([])
  const turns = signal<TurnSummary[]>([])
  const cells = new Map<string, Signal<ProviderResult | undefined>>()

  /** The answer of one participant in one turn: undefined until known. The same signal every time. */
  function cell(turn: number, participant: string): Signal<ProviderResult | undefined> {
    const key = `${turn}:${participant}`
    let found = cells.get(key)
    if (!found) cells.set(key, (found = signal<ProviderResult | undefined>(undefined)))
    return found
  }

  function setResults(turn: number, results: TurnResults) {
    for (const [id, result] of Object.entries(results)) {
      const answer = cell(turn, id)
      if (!same(answer.peek(), result)) answer.value = result
    }
  }

  function setTurns(next: TurnSummary[]) {
    const held = turns.peek()
    const merged = next.map((summary) => {
      const known = held.find((item) => item.turn === summary.turn)
      return known && same(known, summary) ? known : summary
    })
    if (merged.length !== held.length || merged.some((summary, index) => summary !== held[index])) turns.value = merged
  }

  return {
    participants,
    turns,
    cell,

    /** True when an earlier turn's answers were never received: the next request must ask for every turn. */
    missingResults(): boolean {
      const list = turns.peek()
      return list.slice(0, -1).some((summary) => summary.participants.some((id) => !cell(summary.turn, id).peek()))
    },

    /** Takes in a status document, changing only the signals whose content changed. */
    ingest(doc: StatusDocument) {
      const all = participantsOf(doc)
      const list = turnsOf(doc)
      batch(() => {
        if (!same(participants.peek(), all)) participants.value = all
        const everyone = all.map((participant) => participant.id)
        const summaries = list.map(({ results, participants: taking, ...summary }, index) => {
          const latest = index === list.length - 1
          const known = results ?? (latest ? doc.results : undefined)
          if (known) setResults(summary.turn, known)
          return { ...summary, participants: taking ?? (latest ? Object.keys(doc.results) : everyone) }
        })
        setTurns(summaries)
      })
    },

    /** Shows a turn the page just asked for (a new chat's first, or a follow-up) before the server's document does. */
    expect(summary: TurnSummary, columns: Participant[] = participants.peek()) {
      batch(() => {
        if (!participants.peek().length) participants.value = columns
        for (const id of summary.participants) {
          const participant = columns.find((item) => item.id === id)
          cell(summary.turn, id).value = {
            status: 'queued',
            ok: false,
            text: '',
            provider: participant?.provider ?? id,
            model: participant?.model ?? '',
            attempt: 1,
            timings: { queuedAt: summary.createdAt },
          }
        }
        setTurns([...turns.peek().filter((item) => item.turn < summary.turn), summary])
      })
    },

    /** Records a pick the server confirmed. */
    setPick(turn: number, pick: string | null) {
      setTurns(turns.peek().map((summary) => (summary.turn === turn ? { ...summary, pick } : summary)))
    },
  }
}

export type Conversation = ReturnType<typeof createConversation>

/**
 * The ids the server gives a chat's participants in display order: the provider's id, then
 * `<provider>-2`, `-3`… for repeats. Used to show a new chat's columns before its first document.
 */
export function participantIds(providers: readonly string[]): string[] {
  const seen = new Map<string, number>()
  return providers.map((provider) => {
    const n = (seen.get(provider) ?? 0) + 1
    seen.set(provider, n)
    return n === 1 ? provider : `${provider}-${n}`
  })
}
