/**
 * The background run (up to 15 minutes on Netlify). Reached at /.netlify/functions/ai-chat-run-background,
 * outside /api. It runs only for a trigger signed with the server secret; anything else is logged and dropped.
 */
import type { Config } from '@netlify/functions'
import { describeError, log } from '../../server/log.ts'
import { runChat } from '../../server/runner.ts'
import { openStore } from '../../server/store.ts'
import { triggerSecret, verifyChat, type TriggerBody } from '../../server/trigger.ts'

export default async (req: Request): Promise<Response> => {
  let body: Partial<TriggerBody> = {}
  try {
    body = req.method === 'POST' ? ((await req.json()) as Partial<TriggerBody>) : {}
  } catch {
    // An unreadable body is an unsigned one.
  }
  const store = openStore()
  if (!verifyChat(await triggerSecret(store), body.chatId, body.signature)) {
    log.warn('trigger_refused', { method: req.method, reason: 'missing or invalid signature' })
    return new Response(null, { status: 202 })
  }
  try {
    const summary = await runChat(body.chatId, { store })
    log.info('run_finished', { chatId: summary.chatId, found: summary.found, outcomes: summary.outcomes })
  } catch (error) {
    log.error('run_failed', { chatId: body.chatId, error: describeError(error) })
    // Throwing makes Netlify deliver the run again (after 1 and 2 minutes); the claims make that safe.
    throw error
  }
  return new Response(null, { status: 202 })
}

export const config: Config = { background: true }
