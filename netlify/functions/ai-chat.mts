/** `POST /api/ai/chat`: validate, claim a running slot, store the chat, start the background run, answer 202 at once. */
import type { Config } from '@netlify/functions'
import { startingRequest, startTurn } from '../../server/api-context.ts'
import { newChat, saveChat } from '../../server/chats.ts'
import { claimSlot } from '../../server/client-slots.ts'
import { route } from '../../server/http.ts'
import { validateChatInput } from '../../server/validate.ts'

export default route(['POST'], (req, context) =>
  startingRequest(req, context, validateChatInput, async ({ config, url, mode, input, deadline, store, secret, client }) => {
    const chat = newChat(input, config, mode)
    // The slot first: a refused chat writes nothing.
    await claimSlot(store, config, client, { chatId: chat.chatId, turn: 1 })
    await saveChat(store, chat)
    const accepted = { success: true, chatId: chat.chatId, status: 'pending' }
    return startTurn({ store, context, url, mode, chat, turn: 1, secret, deadline, expiresAt: chat.expiresAt, accepted })
  }),
)

// Per-IP request limits on Netlify (not enforced by the local emulator; the per-client running cap is).
export const config: Config = {
  path: '/api/ai/chat',
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
