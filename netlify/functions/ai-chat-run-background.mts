/**
 * The background run (up to 15 minutes on Netlify). Reached at /.netlify/functions/ai-chat-run-background,
 * outside /api. It runs only for a trigger signed with the server secret; anything else is logged and dropped.
 */
import type { Config } from '@netlify/functions'
import { allAdapters, preloadSdks } from '../../server/providers/index.ts'
import { handleRunTrigger } from '../../server/run-handler.ts'
import { settings } from '../../server/settings.ts'

export default (req: Request): Promise<Response> =>
  handleRunTrigger(req, 'background', allAdapters, async () => {
    const config = settings()
    if (!config.demo) await preloadSdks(config.configured)
  })

export const config: Config = { background: true }
