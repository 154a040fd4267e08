/**
 * The bodies of the run functions (background and sync, each with a demo twin): accept only a
 * signed trigger, run the chat. The caller picks the adapters, so the demo runs bundle no SDK.
 */
import { describeError, log } from './log.ts'
import type { ChatRecord } from './records.ts'
import type { AdapterFactory } from './providers/types.ts'
import { runChat } from './runner.ts'
import { settings } from './settings.ts'
import { openStore } from './store.ts'
import { acceptTrigger } from './trigger.ts'

/**
 * A background run: logs its outcome. A run that throws is thrown on, so Netlify delivers it again
 * (after 1 and 2 minutes); the claims make that safe.
 */
export async function handleRunTrigger(
  req: Request,
  fn: string,
  adapters: AdapterFactory,
  beforeRun?: (chat: ChatRecord) => Promise<unknown>,
): Promise<Response> {
  const store = openStore()
  const trigger = await acceptTrigger(req, store, fn)
  if (!trigger) return new Response(null, { status: 202 })
  try {
    const summary = await runChat(trigger.chatId, { store, adapters, ...(trigger.turn ? { turn: trigger.turn } : {}), ...(beforeRun ? { beforeRun } : {}) })
    log.info('run_finished', { chatId: summary.chatId, turn: summary.turn, found: summary.found, outcomes: summary.outcomes })
  } catch (error) {
    log.error('run_failed', { chatId: trigger.chatId, error: describeError(error) })
    throw error
  }
  return new Response(null, { status: 202 })
}

/**
 * The synchronous run behind `?mode=sync`: the background runner, run inline, answering when every
 * participant finished or the deadline passed.
 */
export async function handleSyncRun(req: Request, fn: string, adapters: AdapterFactory): Promise<Response> {
  const store = openStore()
  const trigger = await acceptTrigger(req, store, fn)
  if (!trigger) return new Response(null, { status: 403 })
  const latest = Date.now() + settings().syncDeadlineMs
  const summary = await runChat(trigger.chatId, {
    store,
    adapters,
    deadline: Math.min(trigger.deadline ?? latest, latest),
    ...(trigger.turn ? { turn: trigger.turn } : {}),
  })
  return Response.json({ outcomes: summary.outcomes })
}
