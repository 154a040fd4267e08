/**
 * `POST /api/ai/chat/<id>/messages` `{ message, participants? }`: a follow-up turn. Each participant
 * continues from its own earlier answers. 202 `{ success, chatId, turn, statusUrl }` at once.
 */
import type { Config } from '@netlify/functions'
import type { TurnAccepted } from '../../shared/types.ts'
import { chatIdOf, clientOf, modeOf, reviewer } from '../../server/api-context.ts'
import { claimSlot } from '../../server/client-slots.ts'
import { json, readJsonBody, route } from '../../server/http.ts'
import { fingerprint, idempotencyKeyOf, idempotent } from '../../server/idempotency.ts'
import { describeError, log } from '../../server/log.ts'
import { settings } from '../../server/settings.ts'
import { currentDocument } from '../../server/status-reader.ts'
import { openStore } from '../../server/store.ts'
import { runViaSyncFunction, startRun } from '../../server/trigger.ts'
import { planTurn, saveTurn, turnParticipants } from '../../server/turns.ts'
import { validateMessageInput } from '../../server/validate.ts'

export default route(['POST'], async (req, context) => {
  const config = settings()
  const url = new URL(req.url)
  const chatId = chatIdOf(context, url)
  const mode = modeOf(url, config)
  const body = await readJsonBody(req, config.maxBodyBytes)
  const input = validateMessageInput(body, config)
  const key = idempotencyKeyOf(req)

  const deadline = Date.now() + config.syncDeadlineMs
  const store = openStore()
  const { secret, client } = await clientOf(store, req, context)
  return idempotent(store, client, key, fingerprint(req, body), async () => {
    const { snapshot, document } = await currentDocument(store, chatId, { scope: 'all', review: reviewer(store, config, context, url.origin) })
    const record = planTurn(snapshot, document, input.message, turnParticipants(snapshot, input.participants), config)
    await claimSlot(store, config, client, { chatId, turn: record.turn })
    await saveTurn(store, record)
    if (mode === 'sync') {
      try {
        await runViaSyncFunction(url.origin, chatId, secret, deadline, record.turn)
        return { status: 200, body: (await currentDocument(store, chatId)).document, expiresAt: record.expiresAt }
      } catch (error) {
        log.error('sync_run_failed', { chatId, turn: record.turn, error: describeError(error) })
      }
    }
    context.waitUntil(startRun(url.origin, snapshot.chat, secret, record.turn))
    const statusUrl = `/api/ai/chat/${chatId}`
    const accepted: TurnAccepted = { success: true, chatId, turn: record.turn, statusUrl }
    return { status: 202, body: accepted, headers: { location: statusUrl }, expiresAt: record.expiresAt }
  }, (answer) => json(answer.body, answer.status, answer.headers))
})

export const config: Config = {
  path: '/api/ai/chat/:id/messages',
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
