/**
 * The body of both background run functions: accept only a signed trigger, run the chat, log the
 * outcome. A run that throws is thrown on, so Netlify delivers it again (after 1 and 2 minutes);
 * the claims make that safe. The caller picks the adapters, so the demo run bundles no SDK.
 */
import { describeError, log } from './log.ts'
import type { ChatRecord } from './records.ts'
import type { AdapterFactory } from './providers/types.ts'
import { runChat } from './runner.ts'
import { openStore } from './store.ts'
import { acceptTrigger } from './trigger.ts'

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
