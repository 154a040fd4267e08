/**
 * The synchronous run of demo chats: the same as ai-chat-run-sync with the simulated providers
 * only. Its imports reach no provider SDK, so it starts as fast as the API functions (on the local
 * emulator, which loads a function anew on every call, seconds sooner than the run with every SDK).
 */
import { demoAdapters } from '../../server/providers/demo.ts'
import { handleSyncRun } from '../../server/run-handler.ts'

export default (req: Request): Promise<Response> => handleSyncRun(req, 'demo-sync', demoAdapters)
