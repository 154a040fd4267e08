/** `GET /api/ai/chat/<id>/export?format=md|json`: the whole comparison, every turn, as a download. */
import type { Config } from '@netlify/functions'
import { chatIdOf, reviewer } from '../../server/api-context.ts'
import { AppError } from '../../server/errors.ts'
import { exportResponse, type ExportFormat } from '../../server/export.ts'
import { API_HEADERS, route } from '../../server/http.ts'
import { settings } from '../../server/settings.ts'
import { currentDocument } from '../../server/status-reader.ts'
import { openStore } from '../../server/store.ts'

export default route(['GET', 'HEAD'], async (req, context) => {
  const url = new URL(req.url)
  const chatId = chatIdOf(context, url)
  const format = url.searchParams.get('format') ?? 'md'
  if (format !== 'md' && format !== 'json') throw new AppError('invalid_request', '"format" must be "md" (Markdown) or "json".')
  const store = openStore()
  const { document } = await currentDocument(store, chatId, { scope: 'all', review: reviewer(store, settings(), context, url.origin) })
  const { body, contentType, fileName } = exportResponse(document, format as ExportFormat)
  return new Response(req.method === 'HEAD' ? null : body, {
    headers: { ...API_HEADERS, 'content-type': contentType, 'content-disposition': `attachment; filename="${fileName}"` },
  })
})

export const config: Config = {
  path: '/api/ai/chat/:id/export',
  rateLimit: { windowLimit: 60, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
