/**
 * The synchronous run behind `?mode=sync` (the rollback path): the background runner, run inline,
 * answering when every participant finished or the deadline passed. Reached at
 * /.netlify/functions/ai-chat-run-sync, only with a signed trigger. Demo chats use
 * ai-chat-run-demo-sync, which bundles no SDK.
 */
import { allAdapters } from '../../server/providers/adapters.ts'
import { handleSyncRun } from '../../server/run-handler.ts'

export default (req: Request): Promise<Response> => handleSyncRun(req, 'sync', allAdapters)
