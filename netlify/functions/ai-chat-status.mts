/**
 * `GET /api/ai/chat/<id>` and `GET /api/ai/chat/status?id=<id>`: the chat's status with every
 * participant's partial or final result. `?since=<version>&wait=<ms>` holds the request until the
 * document changes; `If-None-Match` / `since` without change answers 304. `?turns=latest` leaves out
 * the results of earlier turns.
 */
import type { Config } from '@netlify/functions'
import { chatIdOf, reviewer } from '../../server/api-context.ts'
import { AppError } from '../../server/errors.ts'
import { API_HEADERS, json, route } from '../../server/http.ts'
import { settings } from '../../server/settings.ts'
import { MAX_WAIT_MS, readStatus } from '../../server/status-reader.ts'
import { openStore } from '../../server/store.ts'

function waitParam(url: URL): number | undefined {
  const raw = url.searchParams.get('wait')
  if (raw === null) return undefined
  const wait = Number(raw)
  if (!/^\d{1,6}$/.test(raw) || wait > MAX_WAIT_MS) {
    throw new AppError('invalid_request', `"wait" must be a whole number of milliseconds from 0 to ${MAX_WAIT_MS}.`)
  }
  return wait
}

function scopeParam(url: URL): 'all' | 'latest' {
  const turns = url.searchParams.get('turns') ?? 'all'
  if (turns !== 'all' && turns !== 'latest') throw new AppError('invalid_request', '"turns" must be "latest" (earlier turns without their results) or "all".')
  return turns
}

export default route(['GET', 'HEAD'], async (req, context) => {
  const url = new URL(req.url)
  const chatId = chatIdOf(context, url)
  const since = url.searchParams.get('since') ?? req.headers.get('if-none-match')?.replace(/^W\//, '').replace(/"/g, '') ?? undefined
  const query = { waitMs: waitParam(url), scope: scopeParam(url) }
  const store = openStore()
  const review = reviewer(store, settings(), context, url.origin)
  const answer = await readStatus(store, chatId, { ...query, since: since || undefined, review, signal: req.signal })
  if (!answer.changed) return new Response(null, { status: 304, headers: { ...API_HEADERS, etag: `"${answer.version}"` } })
  return json(answer.document, 200, { etag: `"${answer.document.version}"` })
})

export const config: Config = {
  path: ['/api/ai/chat/status', '/api/ai/chat/:id'],
  rateLimit: { windowLimit: 600, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
