/** Test helpers that make chats directly in the store, the way the POST would (validation included). */
import { newChat, saveChat } from '../chats.ts'
import type { ChatRecord } from '../records.ts'
import { settings } from '../settings.ts'
import type { ChatStore } from '../store.ts'
import { validateChatInput } from '../validate.ts'

/** Validates a POST body, then stores the chat it makes (no run is started). */
export async function makeChat(store: ChatStore, body: unknown, mode: ChatRecord['mode'] = 'background'): Promise<ChatRecord> {
  const config = settings()
  const chat = newChat(validateChatInput(body, config), config, mode)
  await saveChat(store, chat)
  return chat
}
