/**
 * `POST /api/ai/chat/<id>/messages` `{ message, participants? }`: a follow-up turn. Each participant
 * continues from its own earlier answers. 202 `{ success, chatId, turn, statusUrl }` at once.
 */
import type { Config } from '@netlify/functions'
import { chatIdOf, reviewer, startingRequest, startTurn } from '../../server/api-context.ts'
import { claimSlot } from '../../server/client-slots.ts'
import { route } from '../../server/http.ts'
import { currentDocument } from '../../server/status-reader.ts'
import { planTurn, saveTurn, turnParticipants } from '../../server/turns.ts'
import { validateMessageInput } from '../../server/validate.ts'

export default route(['POST'], (req, context) => {
  // A bad chat id is refused before the body is read.
  const chatId = chatIdOf(context, new URL(req.url))
  return startingRequest(req, context, validateMessageInput, async ({ config, url, mode, input, deadline, store, secret, client }) => {
    const { snapshot, document } = await currentDocument(store, chatId, { scope: 'all', review: reviewer(store, config, context, url.origin) })
    const record = planTurn(snapshot, document, input.message, turnParticipants(snapshot, input.participants), config)
    const slot = await claimSlot(store, config, client, { chatId, turn: record.turn })
    await saveTurn(store, record).catch(async (error) => {
      await slot.release()
      throw error
    })
    const accepted = { success: true, chatId, turn: record.turn }
    return startTurn({ store, context, url, mode, chat: snapshot.chat, turn: record.turn, secret, deadline, expiresAt: record.expiresAt, accepted })
  })
})

export const config: Config = {
  path: '/api/ai/chat/:id/messages',
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
