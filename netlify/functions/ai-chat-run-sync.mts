/**
 * The synchronous run behind `?mode=sync` (the rollback path): the background runner, run inline,
 * answering when every participant finished or the deadline passed. Reached at
 * /.netlify/functions/ai-chat-run-sync, only with a signed trigger.
 */
import { allAdapters } from '../../server/providers/adapters.ts'
import { runChat } from '../../server/runner.ts'
import { settings } from '../../server/settings.ts'
import { openStore } from '../../server/store.ts'
import { acceptTrigger } from '../../server/trigger.ts'

export default async (req: Request): Promise<Response> => {
  const store = openStore()
  const trigger = await acceptTrigger(req, store, 'sync')
  if (!trigger) return new Response(null, { status: 403 })
  const latest = Date.now() + settings().syncDeadlineMs
  const summary = await runChat(trigger.chatId, {
    store,
    adapters: allAdapters,
    deadline: Math.min(trigger.deadline ?? latest, latest),
    ...(trigger.turn ? { turn: trigger.turn } : {}),
  })
  return Response.json({ outcomes: summary.outcomes })
}
