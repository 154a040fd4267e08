/** `POST /api/ai/chat`: validate, claim a running slot, store the chat, start the background run, answer 202 at once. */
import type { Config } from '@netlify/functions'
import type { AcceptedDocument } from '../../shared/types.ts'
import { clientOf, modeOf } from '../../server/api-context.ts'
import { newChat, saveChat } from '../../server/chats.ts'
import { claimSlot } from '../../server/client-slots.ts'
import { json, readJsonBody, route } from '../../server/http.ts'
import { fingerprint, idempotencyKeyOf, idempotent } from '../../server/idempotency.ts'
import { describeError, log } from '../../server/log.ts'
import { settings } from '../../server/settings.ts'
import { currentDocument } from '../../server/status-reader.ts'
import { openStore } from '../../server/store.ts'
import { runViaSyncFunction, startRun } from '../../server/trigger.ts'
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
    if (mode === 'sync') {
      // The rollback path: the same runner in the sync function, answered when every participant has
      // finished or the deadline passed. If that call fails, the chat still runs in the background.
      try {
        await runViaSyncFunction(url.origin, chat.chatId, secret, deadline)
        return { status: 200, body: (await currentDocument(store, chat.chatId)).document, expiresAt: chat.expiresAt }
      } catch (error) {
        log.error('sync_run_failed', { chatId: chat.chatId, error: describeError(error) })
      }
    }
    context.waitUntil(startRun(url.origin, chat, secret))
    const statusUrl = `/api/ai/chat/${chat.chatId}`
    const accepted: AcceptedDocument = { success: true, chatId: chat.chatId, status: 'pending', statusUrl }
    return { status: 202, body: accepted, headers: { location: statusUrl }, expiresAt: chat.expiresAt }
  }, (answer) => json(answer.body, answer.status, answer.headers))
})

// Per-IP request limits on Netlify (not enforced by the local emulator; the per-client running cap is).
export const config: Config = {
  path: '/api/ai/chat',
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
