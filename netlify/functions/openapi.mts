/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document of this API (the same whatever the settings),
 * generated from the contract's schemas by `npm run schema` (server/schema-build.ts).
 */
import type { Config } from '@netlify/functions'
import document from '../../server/generated/openapi.json' with { type: 'json' }
import { json, route } from '../../server/http.ts'

export default route(['GET', 'HEAD'], async () => json(document))

export const config: Config = { path: '/api/openapi.json' }
