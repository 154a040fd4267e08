/** `POST /api/ai/chat`: validate, claim a running slot, store the chat, start the background run, answer 202 at once. */
import type { Config } from '@netlify/functions'
import { clientOf, modeOf, startTurn } from '../../server/api-context.ts'
import { newChat, saveChat } from '../../server/chats.ts'
import { claimSlot } from '../../server/client-slots.ts'
import { json, readJsonBody, route } from '../../server/http.ts'
import { fingerprint, idempotencyKeyOf, idempotent } from '../../server/idempotency.ts'
import { settings } from '../../server/settings.ts'
import { openStore } from '../../server/store.ts'
import { validateChatInput } from '../../server/validate.ts'

export default route(['POST'], async (req, context) => {
  const config = settings()
  const url = new URL(req.url)
  const mode = modeOf(url, config)
  const body = await readJsonBody(req, config.maxBodyBytes)
  const input = validateChatInput(body, config)
  const key = idempotencyKeyOf(req)

  const deadline = Date.now() + config.syncDeadlineMs
  const store = openStore()
  const { secret, client } = await clientOf(store, req, context)
  return idempotent(store, client, key, fingerprint(req, body), async () => {
    const chat = newChat(input, config, mode)
    // The slot first: a refused chat writes nothing.
    await claimSlot(store, config, client, { chatId: chat.chatId, turn: 1 })
    await saveChat(store, chat)
    const accepted = { success: true, chatId: chat.chatId, status: 'pending' }
    return startTurn({ store, context, url, mode, chat, turn: 1, secret, deadline, expiresAt: chat.expiresAt, accepted })
  }, (answer) => json(answer.body, answer.status, answer.headers))
})

// Per-IP request limits on Netlify (not enforced by the local emulator; the per-client running cap is).
export const config: Config = {
  path: '/api/ai/chat',
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
