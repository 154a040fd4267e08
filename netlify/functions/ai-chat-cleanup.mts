/**
 * Hourly: deletes the blobs of expired chats. Netlify runs it on its schedule; locally run it with
 * `curl -X POST http://localhost:8888/.netlify/functions/ai-chat-cleanup` (the emulator does not fire schedules).
 */
import type { Config } from '@netlify/functions'
import { cleanupExpired } from '../../server/cleanup.ts'
import { openStore } from '../../server/store.ts'

export default async (): Promise<Response> => {
  // 30 s limit for scheduled functions: stop starting new work after 20 s; the next run continues.
  const report = await cleanupExpired(openStore(), { budgetMs: 20_000 })
  return Response.json(report)
}

export const config: Config = { schedule: '@hourly' }
