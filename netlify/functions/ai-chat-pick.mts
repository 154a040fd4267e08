/**
 * `POST /api/ai/chat/<id>/turns/<n>/pick` `{ "participant": id }`: records the user's pick of the best
 * answer of turn n (a later pick replaces it). `DELETE` clears it. 200 `{ success, chatId, turn, pick }`.
 */
import type { Config } from '@netlify/functions'
import type { PickAnswer } from '../../shared/types.ts'
import { pickAnswer } from '../../server/actions.ts'
import { chatIdOf } from '../../server/api-context.ts'
import { AppError } from '../../server/errors.ts'
import { json, param, readJsonBody, route } from '../../server/http.ts'
import { currentDocument } from '../../server/status-reader.ts'
import { openStore } from '../../server/store.ts'
import { validatePickInput } from '../../server/validate.ts'

export default route(['POST', 'DELETE'], async (req, context) => {
  const url = new URL(req.url)
  const chatId = chatIdOf(context, url)
  const raw = param(context, 'turn') ?? ''
  if (!/^[1-9]\d{0,3}$/.test(raw)) throw new AppError('not_found', `"${raw.slice(0, 20)}" is not a turn: turns are numbered from 1.`)
  const turn = Number(raw)
  const participant = req.method === 'DELETE' ? null : validatePickInput(await readJsonBody(req, 1024)).participant
  const store = openStore()
  const { document } = await currentDocument(store, chatId, { scope: 'all' })
  await pickAnswer(store, document, turn, participant)
  const answer: PickAnswer = { success: true, chatId, turn, pick: participant }
  return json(answer)
})

export const config: Config = {
  path: '/api/ai/chat/:id/turns/:turn/pick',
  rateLimit: { windowLimit: 120, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
