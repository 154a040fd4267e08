/**
 * `POST /api/ai/chat/<id>/messages` `{ message, participants? }`: a follow-up turn. Each participant
 * continues from its own earlier answers. 202 `{ success, chatId, turn, statusUrl }` at once.
 */
import type { Config } from '@netlify/functions'
import { chatIdOf, clientOf, modeOf, reviewer, startTurn } from '../../server/api-context.ts'
import { claimSlot } from '../../server/client-slots.ts'
import { json, readJsonBody, route } from '../../server/http.ts'
import { fingerprint, idempotencyKeyOf, idempotent } from '../../server/idempotency.ts'
import { settings } from '../../server/settings.ts'
import { currentDocument } from '../../server/status-reader.ts'
import { openStore } from '../../server/store.ts'
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
    const slot = await claimSlot(store, config, client, { chatId, turn: record.turn })
    await saveTurn(store, record).catch(async (error) => {
      await slot.release()
      throw error
    })
    const accepted = { success: true, chatId, turn: record.turn }
    return startTurn({ store, context, url, mode, chat: snapshot.chat, turn: record.turn, secret, deadline, expiresAt: record.expiresAt, accepted })
  }, (answer) => json(answer.body, answer.status, answer.headers))
})

export const config: Config = {
  path: '/api/ai/chat/:id/messages',
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
