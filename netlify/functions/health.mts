/** `GET /api/health`: answers without touching storage or providers (uptime checks; the benchmark's no-op baseline). */
import type { Config } from '@netlify/functions'
import { json, route } from '../../server/http.ts'

export default route(['GET', 'HEAD'], async () => json({ success: true }))

export const config: Config = { path: '/api/health' }
