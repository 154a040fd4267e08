/**
 * Starting the background run. The trigger carries an HMAC of the chat id under a server secret,
 * so the (publicly reachable) background function runs nothing for anyone else.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Env } from '../shared/catalogue.ts'
import { isChatId, SECRET_KEY } from './keys.ts'
import { describeError, log } from './log.ts'
import type { ChatStore } from './store.ts'

/** The background function's URL: outside `/api`, so no API rule (access token, rate limit) applies to it. */
export const RUN_PATH = '/.netlify/functions/ai-chat-run-background'
/** The background function of demo chats: the same runner with the simulated providers only, so no SDK in its bundle. */
export const RUN_DEMO_PATH = '/.netlify/functions/ai-chat-run-demo-background'
/** The synchronous run (the rollback path), in its own function so the POST function loads no provider SDK. */
export const RUN_SYNC_PATH = '/.netlify/functions/ai-chat-run-sync'
/** The synchronous run of demo chats: no SDK in its bundle. */
export const RUN_DEMO_SYNC_PATH = '/.netlify/functions/ai-chat-run-demo-sync'

// A stored secret never changes, so a warm instance reads it once (per store: see ChatStore.scope).
const cachedSecrets = new Map<string, string>()

/**
 * `AI_CHAT_SECRET`, or a secret generated once and kept in the blob store so every function and
 * instance shares it.
 */
export async function triggerSecret(store: ChatStore, env: Env = process.env): Promise<string> {
  return (await findSecret(store, env, true))!
}

/** The secret a run verifies with, never creating one: no secret means no trigger was ever signed. */
async function existingTriggerSecret(store: ChatStore, env: Env = process.env): Promise<string | null> {
  return findSecret(store, env, false)
}

async function findSecret(store: ChatStore, env: Env, create: boolean): Promise<string | null> {
  const configured = env.AI_CHAT_SECRET?.trim()
  if (configured) return configured
  const cached = cachedSecrets.get(store.scope)
  if (cached) return cached
  let stored = await store.getJSON<{ secret: string }>(SECRET_KEY)
  if (!stored?.secret) {
    if (!create) return null
    await store.setJSON(SECRET_KEY, { secret: randomBytes(32).toString('base64url') }, { onlyIfNew: true })
    // Read back whichever write won, so two first runs agree.
    stored = await store.getJSON<{ secret: string }>(SECRET_KEY)
    if (!stored?.secret) throw new Error('The trigger secret could not be stored.')
  }
  cachedSecrets.set(store.scope, stored.secret)
  return stored.secret
}

export function signChat(secret: string, chatId: string): string {
  return createHmac('sha256', secret).update(`run:${chatId}`).digest('base64url')
}

export function verifyChat(secret: string, chatId: unknown, signature: unknown): chatId is string {
  if (!isChatId(chatId) || typeof signature !== 'string') return false
  const expected = Buffer.from(signChat(secret, chatId))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

export interface TriggerBody {
  chatId: string
  signature: string
  /** The turn to run (a hint: the runner runs the chat's latest turn, at least this one). */
  turn?: number
  /** Sync runs only: epoch ms at which providers still running end as `timeout`. */
  deadline?: number
}

function post(path: string, origin: string, body: TriggerBody): Promise<Response> {
  return fetch(new URL(path, origin), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

/** Runs the chat in the (demo) sync function and resolves when it has finished (or throws when the call failed). */
export async function runViaSyncFunction(origin: string, chat: { chatId: string; demo: boolean }, secret: string, deadline: number, turn = 1): Promise<void> {
  const { chatId } = chat
  const response = await post(chat.demo ? RUN_DEMO_SYNC_PATH : RUN_SYNC_PATH, origin, { chatId, signature: signChat(secret, chatId), deadline, turn })
  await response.body?.cancel()
  if (!response.ok) throw new Error(`The sync run answered ${response.status}.`)
}

/**
 * The signed trigger a run function was called with, or null (logged as `trigger_refused`) when it
 * is missing, malformed or not signed with the server secret. Never creates the secret.
 */
export async function acceptTrigger(req: Request, store: ChatStore, fn: string): Promise<TriggerBody | null> {
  const trigger = await readTrigger(req, await existingTriggerSecret(store))
  if (!trigger) log.warn('trigger_refused', { fn, method: req.method, reason: 'missing or invalid signature' })
  return trigger
}

/** The signed trigger in a request body, or null when it is missing, malformed or not signed with `secret`. */
async function readTrigger(req: Request, secret: string | null): Promise<TriggerBody | null> {
  if (!secret) return null
  let body: Partial<TriggerBody> = {}
  try {
    body = req.method === 'POST' ? ((await req.json()) as Partial<TriggerBody>) : {}
  } catch {
    // An unreadable body is an unsigned one.
  }
  if (!verifyChat(secret, body.chatId, body.signature)) return null
  return {
    chatId: body.chatId,
    signature: body.signature as string,
    ...(Number.isInteger(body.turn) && body.turn! >= 1 ? { turn: body.turn } : {}),
    ...(typeof body.deadline === 'number' ? { deadline: body.deadline } : {}),
  }
}

/**
 * Calls the background function without waiting for the run. On Netlify the call answers 202 at
 * once; the local emulator answers only when the run has finished, so the caller must hand the
 * returned promise to `context.waitUntil` instead of awaiting it. A refused or failed call is tried
 * three times (safe: the claims keep a provider from running twice); if all fail, the stall check
 * of the next status read re-triggers the run. Never rejects.
 */
export async function startRun(origin: string, chat: { chatId: string; demo: boolean }, secret: string | Promise<string>, turn?: number): Promise<void> {
  const { chatId } = chat
  for (let attempt = 1; attempt <= TRIGGER_ATTEMPTS; attempt++) {
    try {
      const response = await post(chat.demo ? RUN_DEMO_PATH : RUN_PATH, origin, { chatId, signature: signChat(await secret, chatId), ...(turn ? { turn } : {}) })
      await response.body?.cancel()
      if (response.status < 300) return
      log.warn('trigger_rejected', { chatId, status: response.status, attempt })
    } catch (error) {
      log.warn('trigger_failed', { chatId, attempt, error: describeError(error) })
    }
    if (attempt < TRIGGER_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 250 * attempt))
  }
  log.error('trigger_lost', { chatId, note: 'the next status read re-triggers the run once it counts as stalled' })
}

const TRIGGER_ATTEMPTS = 3
