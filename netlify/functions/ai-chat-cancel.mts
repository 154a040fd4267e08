/**
 * `POST /api/ai/chat/<id>/cancel` (optional body `{ "participant": id }`): stops every queued or
 * streaming participant of the latest turn, or the one named. 202 with the ids asked to stop; 200
 * with `cancelled: []` when nothing was running.
 */
import type { Config } from '@netlify/functions'
import type { CancelAnswer } from '../../shared/types.ts'
import { cancelTurn } from '../../server/actions.ts'
import { chatIdOf, reviewer } from '../../server/api-context.ts'
import { json, readJsonBody, route } from '../../server/http.ts'
import { settings } from '../../server/settings.ts'
import { currentDocument } from '../../server/status-reader.ts'
import { openStore } from '../../server/store.ts'
import { validateCancelInput } from '../../server/validate.ts'

export default route(['POST'], async (req, context) => {
  const config = settings()
  const url = new URL(req.url)
  const chatId = chatIdOf(context, url)
  const { participant } = validateCancelInput(await readJsonBody(req, 1024, {}))
  const store = openStore()
  const { document } = await currentDocument(store, chatId, { scope: 'latest', review: reviewer(store, config, context, url.origin) })
  const { cancelled } = await cancelTurn(store, document, participant)
  const answer: CancelAnswer = {
    success: true,
    chatId,
    status: document.status,
    cancelled,
    message: cancelled.length
      ? `Asked ${cancelled.join(', ')} to stop. One that finishes first still ends done; its text so far is kept either way.`
      : 'Nothing was running: the latest turn had already finished.',
  }
  return json(answer, cancelled.length ? 202 : 200)
})

export const config: Config = {
  path: '/api/ai/chat/:id/cancel',
  rateLimit: { windowLimit: 60, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
