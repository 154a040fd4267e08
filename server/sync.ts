/** The synchronous rollback path (`?mode=sync`, `AI_CHAT_MODE=sync`): the background runner, run inline. */
import type { StatusDocument } from '../shared/types.ts'
import type { ValidChatInput } from '../shared/validate.ts'
import { createChat } from './chats.ts'
import { runChat } from './runner.ts'
import type { Settings } from './settings.ts'
import { documentOf, readSnapshot } from './status-reader.ts'
import type { ChatStore } from './store.ts'

export async function runSync(store: ChatStore, input: ValidChatInput, config: Settings): Promise<StatusDocument> {
  const chat = await createChat(store, input, config, 'sync')
  await runChat(chat.chatId, { store, deadline: Date.now() + config.syncDeadlineMs })
  return documentOf(await readSnapshot(store, chat.chatId))
}
