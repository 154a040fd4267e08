/**
 * `POST /api/ai/chat/<id>/cancel`: stop every queued or streaming provider (202; 200 when the chat
 * was already final). `POST /api/ai/chat/<id>/retry` with `{ "provider": "…" }`: a new attempt of one
 * provider that failed or was cancelled (202; 409 otherwise).
 */
import type { Config } from '@netlify/functions'
import type { ChatRecord } from '../../shared/types.ts'
import { cancelChat, claimRetry, planRetry, retryTarget } from '../../server/actions.ts'
import { chatIdFromUrl } from '../../server/chats.ts'
import { json, readJsonBody, route } from '../../server/http.ts'
import { createReview } from '../../server/recovery.ts'
import { settings } from '../../server/settings.ts'
import { openStore } from '../../server/store.ts'
import { checkClientSlot, clientIp } from '../../server/limits.ts'
import { startRun, triggerSecret } from '../../server/trigger.ts'

export default route(['POST'], async (req, context) => {
  const url = new URL(req.url)
  const action = url.pathname.replace(/\/+$/, '').endsWith('/retry') ? 'retry' : 'cancel'
  const chatId = chatIdFromUrl(url, `/${action}`)
  const store = openStore()
  const rerun = (chat: ChatRecord) => context.waitUntil(startRun(url.origin, chat, triggerSecret(store)))
  const review = createReview({ store, config: settings(), retrigger: rerun })

  if (action === 'cancel') {
    const { document, cancelled } = await cancelChat(store, chatId, review)
    return json({ success: true, chatId, status: document.status, cancelled }, cancelled.length ? 202 : 200)
  }
  const provider = retryTarget(await readJsonBody(req, 1024))
  const { attempt, chat } = await planRetry(store, chatId, provider, review)
  // A retry starts provider calls again: it counts against the caller's running chats like a new chat.
  const slot = await checkClientSlot(store, settings(), await triggerSecret(store), clientIp(req, context), chatId)
  await claimRetry(store, chatId, provider, attempt)
  await slot.claim(chatId)
  rerun(chat)
  const statusUrl = `/api/ai/chat/${chatId}`
  return json({ success: true, chatId, provider, attempt, statusUrl }, 202, { location: statusUrl })
})

export const config: Config = {
  path: ['/api/ai/chat/:id/cancel', '/api/ai/chat/:id/retry'],
  rateLimit: { windowLimit: 60, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
