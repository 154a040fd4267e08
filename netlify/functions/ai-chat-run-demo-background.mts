/**
 * The background run of demo chats: the same runner as ai-chat-run-background with the simulated
 * providers only. Its imports reach no provider SDK, so its bundle is small and, on the local
 * emulator (which rebuilds a function on every call), a demo chat streams within a second.
 */
import type { Config } from '@netlify/functions'
import { describeError, log } from '../../server/log.ts'
import { demoAdapters } from '../../server/providers/demo.ts'
import { runChat } from '../../server/runner.ts'
import { openStore } from '../../server/store.ts'
import { acceptTrigger } from '../../server/trigger.ts'

export default async (req: Request): Promise<Response> => {
  const store = openStore()
  const trigger = await acceptTrigger(req, store, 'demo')
  if (!trigger) return new Response(null, { status: 202 })
  try {
    const summary = await runChat(trigger.chatId, { store, adapters: demoAdapters })
    log.info('run_finished', { chatId: summary.chatId, found: summary.found, outcomes: summary.outcomes })
  } catch (error) {
    log.error('run_failed', { chatId: trigger.chatId, error: describeError(error) })
    throw error
  }
  return new Response(null, { status: 202 })
}

export const config: Config = { background: true }
