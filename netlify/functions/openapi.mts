/** `GET /api/openapi.json`: the OpenAPI 3.1 document of this API (the same whatever the settings). */
import type { Config } from '@netlify/functions'
import { json, route } from '../../server/http.ts'
import { openApiDocument } from '../../server/openapi.ts'

let document: unknown

export default route(['GET', 'HEAD'], async () => json((document ??= openApiDocument())))

export const config: Config = { path: '/api/openapi.json' }
