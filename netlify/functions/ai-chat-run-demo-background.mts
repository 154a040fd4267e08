/**
 * The background run of demo chats: the same runner as ai-chat-run-background with the simulated
 * providers only. Its imports reach no provider SDK, so its bundle is small and, on the local
 * emulator (which rebuilds a function on every call), a demo chat streams within a second.
 */
import type { Config } from '@netlify/functions'
import { demoAdapters } from '../../server/providers/demo.ts'
import { handleRunTrigger } from '../../server/run-handler.ts'

export default (req: Request): Promise<Response> => handleRunTrigger(req, 'demo', demoAdapters)

export const config: Config = { background: true }
