/**
 * The background run (up to 15 minutes on Netlify). Reached at /.netlify/functions/ai-chat-run-background,
 * outside /api. It runs only for a trigger signed with the server secret; anything else is logged and dropped.
 */
import type { Config } from '@netlify/functions'
import { describeError, log } from '../../server/log.ts'
import { allAdapters, preloadSdks } from '../../server/providers/index.ts'
import { runChat } from '../../server/runner.ts'
import { settings } from '../../server/settings.ts'
import { openStore } from '../../server/store.ts'
import { acceptTrigger } from '../../server/trigger.ts'

export default async (req: Request): Promise<Response> => {
  const store = openStore()
  const trigger = await acceptTrigger(req, store, 'background')
  if (!trigger) return new Response(null, { status: 202 })
  try {
    const config = settings()
    if (!config.demo) await preloadSdks(config.configured)
    const summary = await runChat(trigger.chatId, { store, adapters: allAdapters })
    log.info('run_finished', { chatId: summary.chatId, found: summary.found, outcomes: summary.outcomes })
  } catch (error) {
    log.error('run_failed', { chatId: trigger.chatId, error: describeError(error) })
    // Throwing makes Netlify deliver the run again (after 1 and 2 minutes); the claims make that safe.
    throw error
  }
  return new Response(null, { status: 202 })
}

export const config: Config = { background: true }
