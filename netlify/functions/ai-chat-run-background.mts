/**
 * The background run (up to 15 minutes on Netlify). Reached at /.netlify/functions/ai-chat-run-background,
 * outside /api. It runs only for a trigger signed with the server secret; anything else is logged and dropped.
 */
import type { Config } from '@netlify/functions'
import { allAdapters, preloadSdks } from '../../server/providers/adapters.ts'
import { handleRunTrigger } from '../../server/run-handler.ts'
import { providerById, settings } from '../../server/settings.ts'

export default (req: Request): Promise<Response> =>
  handleRunTrigger(req, 'background', allAdapters, async (chat) => {
    if (chat.demo) return
    const config = settings()
    await preloadSdks(chat.participants.flatMap((p) => providerById(config, p.provider)?.kind ?? []))
  })

export const config: Config = { background: true }
