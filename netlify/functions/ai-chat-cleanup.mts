/**
 * Hourly: deletes the blobs of expired chats. Netlify runs it on its schedule (marked by the
 * platform with `x-nf-event: schedule`); any other call is answered 404 and does nothing, unless it
 * carries the access token. Locally the emulator marks every direct call as a schedule event, so
 * under `npm start` it runs for anyone when no `AI_CHAT_ACCESS_TOKEN` is set, and only with the
 * token when one is: `curl -X POST http://localhost:8888/.netlify/functions/ai-chat-cleanup`.
 */
import type { Config } from '@netlify/functions'
import { cleanupExpired } from '../../server/cleanup.ts'
import { API_HEADERS, errorResponse, hasAccess, json } from '../../server/http.ts'
import { AppError } from '../../server/errors.ts'
import { settings } from '../../server/settings.ts'
import { openStore } from '../../server/store.ts'

const run = () => cleanupExpired(openStore(), { budgetMs: 20_000, stallSeconds: settings().stallSeconds })

export default async (req: Request): Promise<Response> => {
  const tokenSet = Boolean(process.env.AI_CHAT_ACCESS_TOKEN?.trim())
  const local = process.env.NETLIFY_LOCAL === 'true'
  // The caller may see what was deleted: it has the token, or it is a developer's own machine without one.
  if (tokenSet ? hasAccess(req) : local) return json(await run())
  if (local) return errorResponse(new AppError('unauthorized', 'Running the cleanup by hand needs the access token: send "Authorization: Bearer <token>".'))
  if (req.headers.get('x-nf-event') !== 'schedule') return new Response(null, { status: 404, headers: API_HEADERS })
  // 30 s limit for scheduled functions: it stops starting new work after 20 s; the next run continues.
  await run()
  return new Response(null, { status: 204, headers: API_HEADERS })
}

export const config: Config = { schedule: '@hourly' }
