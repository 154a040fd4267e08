/**
 * The e2e tests' view of the shared `npm start` (web/e2e/global-setup.ts): its origin, its log, and
 * an HTTP client that behaves as a careful client of the REST API does:
 * - a transient 5xx or dropped connection from the emulator (it runs each call in a fresh worker,
 *   and two at once can race: "Cannot find module …/functions-serve/…") is retried after a backoff;
 * - a POST that creates something carries an Idempotency-Key, so such a retry never creates twice;
 * - waiting for a chat is a long poll (`?since=<version>&wait=10000`): the server answers when a
 *   participant changes state (with the text so far), never after a fixed time of ours; the longest
 *   hold keeps the number of calls (each one a fresh worker on the emulator) low.
 */
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { inject } from 'vitest'
import type { StatusDocument } from '../../shared/types.ts'

export const origin = (): string => inject('e2eOrigin')

/** Everything the server printed so far (its JSON log lines among Vite's). */
export const serverLog = (): string => readFileSync(inject('e2eServerLog'), 'utf8')

export interface Answer {
  status: number
  headers: Headers
  /** The raw body. */
  text: string
  /** The body parsed as JSON, or null when it is empty or not JSON. */
  body: any
}

/** Transient failures seen and retried (5xx or no connection), for the failure report. */
export const retried: string[] = []

const TRIES = 6

/**
 * One request as curl would make it, retried on a transient failure. A retried request that carries
 * an Idempotency-Key may meet its first try still at work (409 with Retry-After): it waits and asks
 * again, as the CLI does.
 */
export async function call(path: string, init: RequestInit = {}): Promise<Answer> {
  const keyed = new Headers(init.headers).has('idempotency-key')
  for (let attempt = 1; ; attempt++) {
    let response: Response | undefined
    try {
      response = await fetch(`${origin()}${path}`, init)
    } catch (error) {
      if (attempt === TRIES) throw error
      retried.push(`${init.method ?? 'GET'} ${path}: ${(error as Error).message}`)
    }
    const retryAfter = Number(response?.headers.get('retry-after'))
    const stillAtWork = keyed && attempt > 1 && response?.status === 409 && retryAfter > 0
    if (response && ((response.status < 500 && !stillAtWork) || attempt === TRIES)) {
      const text = await response.text()
      let body: any = null
      try {
        body = text ? JSON.parse(text) : null
      } catch {
        // An export in Markdown, or an emulator's plain-text error page.
      }
      return { status: response.status, headers: response.headers, text, body }
    }
    if (response) retried.push(`${init.method ?? 'GET'} ${path}: ${response.status} ${(await response.text()).slice(0, 200)}`)
    await sleep(stillAtWork ? retryAfter * 1000 : 250 * attempt)
  }
}

/** Routes whose POST creates a chat or a turn: they get an Idempotency-Key unless one is given. */
const CREATES = /^\/api\/ai\/chat(\?|$)|\/messages(\?|$)/

/**
 * A POST as `curl -d '<json>'` sends it (a form content type; the body only has to be JSON).
 * `headers` adds to or overrides the default ones.
 */
export function post(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const defaults: Record<string, string> = {}
  if (body !== undefined) defaults['content-type'] = 'application/x-www-form-urlencoded'
  if (CREATES.test(path)) defaults['idempotency-key'] = crypto.randomUUID()
  return call(path, {
    method: 'POST',
    headers: { ...defaults, ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })
}

export const isFinalChat = (doc: StatusDocument) => doc.status === 'completed' || doc.status === 'failed'

/**
 * Not a speed bound: a chat that never gets where a test waits for it is reported with the last
 * document seen, instead of a bare timeout (the e2e tests' timeout is longer).
 */
const HANG_MS = 200_000

/** How long a final chat that does not satisfy the condition is watched for a change still on its way. */
const FINAL_GRACE_MS = 15_000

/**
 * Follows a chat with long polls until `until` holds for its status document, and returns every
 * document seen (the last one satisfies `until`).
 */
export async function watchChat(chatId: string, until: (doc: StatusDocument) => boolean): Promise<StatusDocument[]> {
  const seen: StatusDocument[] = []
  const hangsAt = Date.now() + HANG_MS
  let version: string | undefined
  // When the chat was last seen final without satisfying `until`.
  let finalAt = Infinity
  for (;;) {
    const stuck = Date.now() > hangsAt ? 'never got there' : Date.now() > finalAt + FINAL_GRACE_MS ? 'is final and stays so' : null
    if (stuck) {
      throw new Error(
        `chat ${chatId} ${stuck}; ${seen.length} documents seen, the last: ${JSON.stringify(seen.at(-1))?.slice(0, 4000)}` +
          (retried.length ? `\ntransient failures retried: ${retried.join('\n')}` : ''),
      )
    }
    const asked = Date.now()
    const { status, body } = await call(`/api/ai/chat/${chatId}${version ? `?since=${encodeURIComponent(version)}&wait=10000` : ''}`)
    if (status === 304) {
      // A 304 at once (a final chat is not held): the change asked for has not been written yet.
      if (Date.now() - asked < 200) await sleep(250)
      continue
    }
    if (status !== 200) throw new Error(`GET /api/ai/chat/${chatId} answered ${status}: ${JSON.stringify(body)}`)
    seen.push(body)
    version = body.version
    if (until(body)) return seen
    finalAt = isFinalChat(body) ? Math.min(finalAt, Date.now()) : Infinity
  }
}

/** The result of every participant of the latest turn, with its id. */
export const resultsOf = (doc: StatusDocument) => Object.entries(doc.results)
