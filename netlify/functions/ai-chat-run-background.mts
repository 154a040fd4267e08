/**
 * The background run (up to 15 minutes on Netlify). Reached at /.netlify/functions/ai-chat-run-background,
 * outside /api. It runs only for a trigger signed with the server secret; anything else is logged and dropped.
 */
import type { Config } from '@netlify/functions'
import { allAdapters, preloadSdks } from '../../server/providers/index.ts'
import { handleRunTrigger } from '../../server/run-handler.ts'

export default (req: Request): Promise<Response> =>
  handleRunTrigger(req, 'background', allAdapters, async (chat) => (chat.demo ? undefined : preloadSdks(chat.providers)))

export const config: Config = { background: true }
