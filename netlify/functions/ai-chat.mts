/** `POST /api/ai/chat`: validate, store the chat, start the background run, answer 202 at once. */
import type { Config, Context } from '@netlify/functions'
import type { AcceptedDocument } from '../../shared/types.ts'
import { validateChatInput } from '../../shared/validate.ts'
import { newChat, saveChat } from '../../server/chats.ts'
import { HttpError, json, readJsonBody, route } from '../../server/http.ts'
import { settings } from '../../server/settings.ts'
import { openStore } from '../../server/store.ts'
import { checkClientSlot, clientIp } from '../../server/limits.ts'
import { runViaSyncFunction, startRun, triggerSecret } from '../../server/trigger.ts'
import { describeError, log } from '../../server/log.ts'
import { documentOf, readSnapshot } from '../../server/status-reader.ts'

export default route(['POST'], async (req: Request, context: Context) => {
  const config = settings()
  const url = new URL(req.url)
  const modeParam = url.searchParams.get('mode')
  if (modeParam !== null && modeParam !== 'sync' && modeParam !== 'background') {
    throw new HttpError(400, 'invalid_request', '"mode" must be "sync" or "background".')
  }
  const mode = modeParam ?? config.defaultMode

  const body = await readJsonBody(req, config.maxBodyBytes)
  const input = validateChatInput(body, { ...config, env: process.env })
  if (!input.ok) throw new HttpError(input.status, input.code, input.message)

  const deadline = Date.now() + config.syncDeadlineMs
  const store = openStore()
  const secret = await triggerSecret(store)
  const slot = await checkClientSlot(store, config, secret, clientIp(req, context))
  const chat = newChat(input.value, config, mode)
  await Promise.all([saveChat(store, chat), slot.claim(chat.chatId)])
  if (mode === 'sync') {
    // The rollback path: the same runner in the sync function, answered when every provider has
    // finished or the deadline passed. If that call fails, the chat still runs in the background.
    try {
      await runViaSyncFunction(url.origin, chat.chatId, secret, deadline)
      return json(documentOf(await readSnapshot(store, chat.chatId)), 200)
    } catch (error) {
      log.error('sync_run_failed', { chatId: chat.chatId, error: describeError(error) })
    }
  }
  context.waitUntil(startRun(url.origin, chat, secret))
  const statusUrl = `/api/ai/chat/${chat.chatId}`
  const accepted: AcceptedDocument = { success: true, chatId: chat.chatId, status: 'pending', statusUrl }
  return json(accepted, 202, { location: statusUrl })
})

// Per-IP request limits on Netlify (not enforced by the local emulator; the per-IP running-chat cap is).
export const config: Config = {
  path: '/api/ai/chat',
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
