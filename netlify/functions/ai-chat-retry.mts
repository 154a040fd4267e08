/**
 * `POST /api/ai/chat/<id>/retry` `{ "participant": id }` (or `{ "provider": p }` when one participant
 * uses it): a new attempt of a participant of the latest turn that failed or was cancelled. 202; 409
 * otherwise; 429 when the client already has its maximum of running work.
 */
import type { Config } from '@netlify/functions'
import type { RetryAnswer } from '../../shared/types.ts'
import { claimRetry, planRetry, retryParticipant } from '../../server/actions.ts'
import { chatIdOf, clientOf, reviewer } from '../../server/api-context.ts'
import { listChat, withMeta } from '../../server/chat-listing.ts'
import { claimSlot } from '../../server/client-slots.ts'
import { AppError } from '../../server/errors.ts'
import { json, readJsonBody, route } from '../../server/http.ts'
import { settings } from '../../server/settings.ts'
import { currentDocument } from '../../server/status-reader.ts'
import { openStore } from '../../server/store.ts'
import { startRun, triggerSecret } from '../../server/trigger.ts'
import { validateRetryInput } from '../../server/validate.ts'

export default route(['POST'], async (req, context) => {
  const config = settings()
  const url = new URL(req.url)
  const chatId = chatIdOf(context, url)
  const target = validateRetryInput(await readJsonBody(req, 1024))
  const store = openStore()
  const { snapshot, document } = await currentDocument(store, chatId, { scope: 'latest', review: reviewer(store, config, context, url.origin) })
  const participant = retryParticipant(document, target, config)
  const { turn, attempt } = planRetry(document, participant)
  // A retry starts provider calls again: it takes a running slot of the caller like a new chat.
  const { client } = await clientOf(store, req, context)
  const slot = await claimSlot(store, config, client, { chatId, turn }, { reuse: true })
  try {
    await claimRetry(store, snapshot.chat, participant, turn, attempt)
    // A follow-up that started meanwhile makes this turn history: its runs would never pick the retry up.
    if ((await withMeta(store, chatId, await listChat(store, chatId))).latestTurn > turn) {
      throw new AppError('conflict', `Turn ${turn + 1} started meanwhile; retry acts on the latest turn.`)
    }
  } catch (error) {
    await slot.release()
    throw error
  }
  context.waitUntil(startRun(url.origin, snapshot.chat, triggerSecret(store), turn))
  const statusUrl = `/api/ai/chat/${chatId}`
  const answer: RetryAnswer = { success: true, chatId, participant, provider: document.results[participant]!.provider, turn, attempt, statusUrl }
  return json(answer, 202, { location: statusUrl })
})

export const config: Config = {
  path: '/api/ai/chat/:id/retry',
  rateLimit: { windowLimit: 60, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
