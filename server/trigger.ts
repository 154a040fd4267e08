/**
 * Starting the background run. The trigger carries an HMAC of the chat id under a server secret,
 * so the (publicly reachable) background function runs nothing for anyone else.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Env } from '../shared/catalogue.ts'
import { isChatId } from '../shared/keys.ts'
import { describeError, log } from './log.ts'
import type { ChatStore } from './store.ts'

/** The background function's URL: outside `/api`, so no API rule (access token, rate limit) applies to it. */
export const RUN_PATH = '/.netlify/functions/ai-chat-run-background'

/** Where the generated secret is kept when `AI_CHAT_SECRET` is unset (outside `chats/`, so cleanup never touches it). */
export const SECRET_KEY = 'config/trigger-secret'

// A stored secret never changes, so a warm instance reads it once.
let cachedSecret: string | undefined

/**
 * `AI_CHAT_SECRET`, or a secret generated once and kept in the blob store so every function and
 * instance shares it.
 */
export async function triggerSecret(store: ChatStore, env: Env = process.env): Promise<string> {
  const configured = env.AI_CHAT_SECRET?.trim()
  if (configured) return configured
  if (cachedSecret) return cachedSecret
  let stored = await store.getJSON<{ secret: string }>(SECRET_KEY)
  if (!stored?.secret) {
    await store.setJSON(SECRET_KEY, { secret: randomBytes(32).toString('base64url') }, { onlyIfNew: true })
    // Read back whichever write won, so two first runs agree.
    stored = await store.getJSON<{ secret: string }>(SECRET_KEY)
    if (!stored?.secret) throw new Error('The trigger secret could not be stored.')
  }
  cachedSecret = stored.secret
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
}

/**
 * Calls the background function without waiting for the run. On Netlify the call answers 202 at
 * once; the local emulator answers only when the run has finished, so the caller must hand the
 * returned promise to `context.waitUntil` instead of awaiting it.
 */
export function startRun(origin: string, chatId: string, secret: string): Promise<void> {
  const body: TriggerBody = { chatId, signature: signChat(secret, chatId) }
  return fetch(new URL(RUN_PATH, origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
    .then(async (response) => {
      await response.body?.cancel()
      if (response.status >= 300) log.error('trigger_rejected', { chatId, status: response.status })
    })
    .catch((error) => log.error('trigger_failed', { chatId, error: describeError(error) }))
}
