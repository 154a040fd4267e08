/**
 * `GET /api/ai/chat/<id>` and `GET /api/ai/chat/status?id=<id>`: the chat's status with every
 * provider's partial or final result. `?since=<version>&wait=<ms>` holds the request until a
 * provider changes state; `If-None-Match` / `since` without change answers 304.
 */
import type { Config } from '@netlify/functions'
import { chatIdFromUrl } from '../../server/chats.ts'
import { API_HEADERS, HttpError, json, route } from '../../server/http.ts'
import { MAX_WAIT_MS, readStatus } from '../../server/status-reader.ts'
import { openStore } from '../../server/store.ts'
import { createReview } from '../../server/recovery.ts'
import { settings } from '../../server/settings.ts'
import { startRun, triggerSecret } from '../../server/trigger.ts'

function waitParam(url: URL): number | undefined {
  const raw = url.searchParams.get('wait')
  if (raw === null) return undefined
  const wait = Number(raw)
  if (!/^\d{1,6}$/.test(raw) || wait > MAX_WAIT_MS) {
    throw new HttpError(400, 'invalid_request', `"wait" must be a whole number of milliseconds from 0 to ${MAX_WAIT_MS}.`)
  }
  return wait
}

export default route(['GET', 'HEAD'], async (req, context) => {
  const url = new URL(req.url)
  const chatId = chatIdFromUrl(url)
  const since = url.searchParams.get('since') ?? req.headers.get('if-none-match')?.replace(/^W\//, '').replace(/"/g, '') ?? undefined
  const waitMs = waitParam(url)
  const store = openStore()
  const review = createReview({
    store,
    config: settings(),
    retrigger: (chat) => context.waitUntil(startRun(url.origin, chat, triggerSecret(store))),
  })
  const answer = await readStatus(store, chatId, { since: since || undefined, waitMs, review, signal: req.signal })
  if (!answer.changed) return new Response(null, { status: 304, headers: { ...API_HEADERS, etag: `"${answer.version}"` } })
  return json(answer.document, 200, { etag: `"${answer.document.version}"` })
})

export const config: Config = {
  path: ['/api/ai/chat/status', '/api/ai/chat/:id'],
  rateLimit: { windowLimit: 600, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
