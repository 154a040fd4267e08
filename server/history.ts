/**
 * What a participant is sent in a turn: its own conversation. The system prompt, then for every
 * earlier turn it took part in, the user's message and its own answer, never another participant's.
 * A turn where it has no text (an error, or cancelled before any text) carries no answer, and
 * consecutive user messages are merged, so every provider gets a valid user/assistant alternation.
 * The partial text of an interrupted answer is sent, marked as cut.
 */
import type { ProviderResult } from '../shared/types.ts'
import type { ChatMessage } from './providers/types.ts'

/** Appended to an answer that did not finish, so the model knows its earlier reply was incomplete. */
export const CUT_MARK = '\n\n[This answer was cut off here.]'

export interface PastTurn {
  message: string
  /** This participant's final result in that turn, or null when it did not take part. */
  answer: Pick<ProviderResult, 'status' | 'text'> | null
  /** It took part in that turn. */
  took: boolean
}

export function conversationOf(past: readonly PastTurn[], message: string): ChatMessage[] {
  const messages: ChatMessage[] = []
  const say = (role: ChatMessage['role'], content: string) => {
    const last = messages.at(-1)
    if (last?.role === role) last.content += `\n\n${content}`
    else messages.push({ role, content })
  }
  for (const turn of past) {
    if (!turn.took) continue
    say('user', turn.message)
    const text = turn.answer?.text ?? ''
    if (text.trim()) say('assistant', turn.answer?.status === 'done' ? text : `${text}${CUT_MARK}`)
  }
  say('user', message)
  return messages
}

/** Characters of a conversation as sent (for `AI_CHAT_MAX_CONTEXT_CHARS`). */
export function conversationChars(messages: readonly ChatMessage[], system?: string): number {
  return (system?.length ?? 0) + messages.reduce((sum, message) => sum + message.content.length, 0)
}
