/** What several /api functions need from a request: the chat id, the client, and a status reviewer that can restart a silent run. */
import type { Context } from '@netlify/functions'
import { clientId, clientIp } from './client-slots.ts'
import { AppError } from './errors.ts'
import { json, param, readJsonBody } from './http.ts'
import { fingerprint, idempotencyKeyOf, idempotent, type StoredAnswer } from './idempotency.ts'
import { isChatId } from './keys.ts'
import { describeError, log } from './log.ts'
import type { ChatRecord } from './records.ts'
import { createReview } from './recovery.ts'
import { settings, type Settings } from './settings.ts'
import { currentDocument, type Reviewer } from './status-reader.ts'
import { openStore, type ChatStore } from './store.ts'
import { runViaSyncFunction, startRun, triggerSecret } from './trigger.ts'

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

export interface TurnStart {
  store: ChatStore
  context: Pick<Context, 'waitUntil'>
  url: URL
  mode: 'sync' | 'background'
  chat: ChatRecord
  turn: number
  secret: string
  /** Epoch ms at which the sync path gives up on participants still running. */
  deadline: number
  /** When the answer may be forgotten (the chat's expiry from this turn on). */
  expiresAt: string
  /** The 202 body of the background path. */
  accepted: Record<string, unknown>
}

/**
 * Runs a turn that was just stored: with `mode=sync` in the sync function (the rollback path),
 * answered with the finished document; otherwise, or if that call fails, in the background, answered
 * 202 at once with the status URL.
 */
export async function startTurn({ store, context, url, mode, chat, turn, secret, deadline, expiresAt, accepted }: TurnStart): Promise<StoredAnswer> {
  if (mode === 'sync') {
    try {
      await runViaSyncFunction(url.origin, chat, secret, deadline, turn)
      return { status: 200, body: (await currentDocument(store, chat.chatId)).document, expiresAt }
    } catch (error) {
      log.error('sync_run_failed', { chatId: chat.chatId, turn, error: describeError(error) })
    }
  }
  context.waitUntil(startRun(url.origin, chat, secret, turn))
  const statusUrl = `/api/ai/chat/${chat.chatId}`
  return { status: 202, body: { ...accepted, statusUrl }, headers: { location: statusUrl }, expiresAt }
}

/** What a POST that starts a turn has in hand once its body is accepted. */
export interface StartingRequest<T> {
  config: Settings
  url: URL
  mode: 'sync' | 'background'
  input: T
  /** For sync mode: when participants still running end as `timeout`. */
  deadline: number
  store: ChatStore
  secret: string
  client: string
}

/**
 * The frame of both POSTs that start a turn (a new chat, a follow-up): read and check the body, then
 * do `work` once per `Idempotency-Key` (a repeat gets the first answer again).
 */
export async function startingRequest<T>(
  req: Request,
  context: Context,
  validate: (body: unknown, config: Settings) => T,
  work: (request: StartingRequest<T>) => Promise<StoredAnswer>,
): Promise<Response> {
  const config = settings()
  const url = new URL(req.url)
  const mode = modeOf(url, config)
  const body = await readJsonBody(req, config.maxBodyBytes)
  const input = validate(body, config)
  const key = idempotencyKeyOf(req)

  const deadline = Date.now() + config.syncDeadlineMs
  const store = openStore()
  const { secret, client } = await clientOf(store, req, context)
  return idempotent(
    store,
    client,
    key,
    fingerprint(req, body),
    () => work({ config, url, mode, input, deadline, store, secret, client }),
    (answer) => json(answer.body, answer.status, answer.headers),
  )
}
