/** `POST /api/ai/chat`: validate, store the chat, start the background run, answer 202 at once. */
import type { Config, Context } from '@netlify/functions'
import type { AcceptedDocument } from '../../shared/types.ts'
import { validateChatInput } from '../../shared/validate.ts'
import { createChat } from '../../server/chats.ts'
import { HttpError, json, readJsonBody, route } from '../../server/http.ts'
import { settings } from '../../server/settings.ts'
import { openStore } from '../../server/store.ts'
import { startRun, triggerSecret } from '../../server/trigger.ts'

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

  const store = openStore()
  if (mode === 'sync') {
    // The rollback path: the same runner, inline, answered when every provider has finished or the deadline passed.
    const { runSync } = await import('../../server/sync.ts')
    return json(await runSync(store, input.value, config), 200)
  }

  const [chat, secret] = await Promise.all([createChat(store, input.value, config, 'background'), triggerSecret(store)])
  context.waitUntil(startRun(url.origin, chat.chatId, secret))
  const statusUrl = `/api/ai/chat/${chat.chatId}`
  const accepted: AcceptedDocument = { success: true, chatId: chat.chatId, status: 'pending', statusUrl }
  return json(accepted, 202, { location: statusUrl })
})

export const config: Config = { path: '/api/ai/chat' }
