/** What several /api functions need from a request: the chat id, the client, and a status reviewer that can restart a silent run. */
import type { Context } from '@netlify/functions'
import { clientId, clientIp } from './client-slots.ts'
import { AppError } from './errors.ts'
import { param } from './http.ts'
import { isChatId } from './keys.ts'
import { createReview } from './recovery.ts'
import type { Settings } from './settings.ts'
import type { Reviewer } from './status-reader.ts'
import type { ChatStore } from './store.ts'
import { startRun, triggerSecret } from './trigger.ts'

/** The chat id of the route (`:id`), or of `?id=` on `/api/ai/chat/status`. */
export function chatIdOf(context: Pick<Context, 'params'>, url: URL): string {
  const raw = param(context, 'id') ?? url.searchParams.get('id') ?? ''
  if (!isChatId(raw)) {
    throw new AppError('invalid_id', raw ? 'That is not a chat id: a chat id is a UUID such as the chatId a POST returned.' : 'Give the chat id: /api/ai/chat/<chatId>.')
  }
  return raw
}

/** The stall and cancel rules of a status read, re-triggering a silent run in the background. */
export function reviewer(store: ChatStore, config: Settings, context: Pick<Context, 'waitUntil'>, origin: string): Reviewer {
  return createReview({ store, config, retrigger: (chat) => context.waitUntil(startRun(origin, chat, triggerSecret(store))) })
}

/** The calling client's id in blob keys (an HMAC of its IP under the server secret). */
export async function clientOf(store: ChatStore, req: Request, context: Pick<Context, 'ip'>): Promise<{ secret: string; client: string }> {
  const secret = await triggerSecret(store)
  return { secret, client: clientId(secret, clientIp(req, context)) }
}

/** The `mode` query parameter: `sync` or `background` (default: the server's). */
export function modeOf(url: URL, config: Settings): 'sync' | 'background' {
  const mode = url.searchParams.get('mode')
  if (mode !== null && mode !== 'sync' && mode !== 'background') throw new AppError('invalid_request', '"mode" must be "sync" or "background".')
  return mode ?? config.defaultMode
}
