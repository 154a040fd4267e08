/**
 * Follow-up turns (`POST /api/ai/chat/<id>/messages`): checks that a turn may start, and writes its
 * blob. Participants and their settings were fixed when the chat was made; a turn only adds a
 * message and says who answers it. Each participant continues from its own history (history.ts).
 */
import { isTurnFinal } from '../shared/status.ts'
import type { StatusDocument } from '../shared/types.ts'
import { AppError } from './errors.ts'
import { conversationChars, conversationOf } from './history.ts'
import { turnKey } from './keys.ts'
import type { TurnRecord, TurnSummary } from './records.ts'
import { answerBudgetBytes, DOCUMENT_BUDGET_BYTES, type Settings } from './settings.ts'
import type { Snapshot } from './status-reader.ts'
import type { ChatStore } from './store.ts'


const number = (n: number) => n.toLocaleString('en-US')

/** The participants of a new turn: all of the chat's, or the named ones, in the chat's order. */
export function turnParticipants(snapshot: Snapshot, named: readonly string[] | undefined): string[] {
  const all = snapshot.chat.participants.map((p) => p.id)
  if (!named) return all
  for (const id of named) {
    if (!all.includes(id)) throw new AppError('invalid_request', `Unknown participant "${id.slice(0, 40)}". This chat's participants: ${all.join(', ')}.`)
  }
  return all.filter((id) => named.includes(id))
}

/** Refuses a turn that may not start now, or could not be kept (see the limits in settings). Writes nothing. */
export function planTurn(snapshot: Snapshot, document: StatusDocument, message: string, participants: readonly string[], config: Settings, now = new Date()): TurnRecord {
  const latest = document.turns!.at(-1)!
  if (!isTurnFinal(latest.status)) {
    const running = Object.entries(document.results)
      .filter(([, result]) => result.status === 'queued' || result.status === 'streaming')
      .map(([id, result]) => `${id} is ${result.status}`)
    throw new AppError('conflict', `Wait for turn ${latest.turn} to finish first: ${running.join(', ')}. Or cancel it.`)
  }
  const turn = latest.turn + 1
  if (turn > config.maxTurns) throw new AppError('payload_too_large', `This chat has reached its limit of ${config.maxTurns} turns. Start a new chat to go on.`)

  for (const id of participants) {
    const past = document.turns!.map((t) => ({ message: t.message, took: t.participants?.includes(id) ?? true, answer: t.results?.[id] ?? null }))
    const params = snapshot.chat.participants.find((p) => p.id === id)!.params
    const chars = conversationChars(conversationOf(past, message), params.system)
    if (chars > config.maxContextChars) {
      throw new AppError(
        'payload_too_large',
        `The conversation of ${id} would be ${number(chars)} characters long with this message; the limit is ${number(config.maxContextChars)}. Start a new chat, or continue with other participants.`,
      )
    }
  }

  const bytes = Buffer.byteLength(JSON.stringify(document)) + Buffer.byteLength(message) * 2 + participants.length * answerBudgetBytes(config)
  if (bytes > DOCUMENT_BUDGET_BYTES) {
    throw new AppError('payload_too_large', `This conversation is too long to continue: with ${participants.length} more answers it could pass ${number(DOCUMENT_BUDGET_BYTES / 1e6)} MB. Start a new chat, or continue with fewer participants.`)
  }

  const summary: TurnSummary = {
    turn: latest.turn,
    message: latest.message,
    createdAt: latest.createdAt,
    participants: latest.participants ?? Object.keys(document.results),
    status: latest.status,
    completedAt: latest.completedAt,
    totalCostUsd: latest.totalCostUsd ?? null,
  }
  return {
    chatId: snapshot.chat.chatId,
    turn,
    message,
    participants: [...participants],
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + config.ttlSeconds * 1000).toISOString(),
    earlier: [...snapshot.turn.earlier, summary],
  }
}

/** Writes a turn's blob, once: a second message sent at the same moment is a conflict. */
export async function saveTurn(store: ChatStore, record: TurnRecord): Promise<void> {
  const written = await store.setJSON(turnKey(record.chatId, record.turn), record, { onlyIfNew: true })
  if (!written.modified) throw new AppError('conflict', `Turn ${record.turn} was just started by another request. Read the chat and try again.`)
}
