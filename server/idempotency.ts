/**
 * Safe retries of the POSTs that start work (`POST /api/ai/chat`, `POST …/messages`), in the shape
 * of the IETF httpapi `Idempotency-Key` draft and Stripe's practice.
 *
 * A key (1-255 printable characters) is scoped to the client. The first request with it claims a
 * record blob with a conditional write (`onlyIfNew`), so two racing repeats start the work once; the
 * answer is stored in the record, and a repeat with the same body gets it again (same status, same
 * chat or turn) and starts nothing. The same key with another body is 422 `idempotency_mismatch`. A
 * refused request (any error) forgets the key, so the client can fix the request or try later. Records
 * are kept as long as the chat (cleanup deletes them after its expiry).
 */
import { createHash, randomUUID } from 'node:crypto'
import { AppError } from './errors.ts'
import { json } from './http.ts'
import { idempotencyKey } from './keys.ts'
import { describeError, log } from './log.ts'
import { sleep } from './sleep.ts'
import type { ChatStore } from './store.ts'

export const IDEMPOTENCY_HEADER = 'idempotency-key'

/** An answer worth remembering. */
export interface StoredAnswer {
  status: number
  body: unknown
  headers?: Record<string, string>
  /** Keep the record until then (the chat's expiry). */
  expiresAt: string
}

interface IdempotencyRecord {
  fingerprint: string
  state: 'pending' | 'done'
  createdAt: string
  /** The request that claimed the key (two claims never look alike). */
  owner: string
  answer?: StoredAnswer
}

/** How long a repeat waits for the first request to finish before answering 409. */
const WAIT_FOR_FIRST_MS = 10_000
/** A pending record older than this belongs to a request that died: it may be taken over. */
const ABANDONED_MS = 60_000

/** The request's `Idempotency-Key`, validated, or undefined when there is none. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.headers.get(IDEMPOTENCY_HEADER)
  if (key === null) return undefined
  if (!/^[\x20-\x7e]{1,255}$/.test(key) || key.trim() === '') {
    throw new AppError('invalid_request', 'The Idempotency-Key header must be 1 to 255 printable ASCII characters, e.g. a UUID.')
  }
  return key
}

/** JSON with sorted keys, so `{a, b}` and `{b, a}` are the same body. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

/** What makes two requests "the same": method, route and query, and the body's JSON (key order aside). */
export function fingerprint(req: Request, body: unknown): string {
  const url = new URL(req.url)
  return createHash('sha256').update(`${req.method} ${url.pathname}?${url.searchParams.toString()}\n${canonical(body)}`).digest('base64url')
}

const sha = (text: string) => createHash('sha256').update(text).digest('base64url')

const replay = (answer: StoredAnswer) => json(answer.body, answer.status, { ...answer.headers, 'idempotent-replayed': 'true' })

function mismatch(): AppError {
  return new AppError('idempotency_mismatch', 'This Idempotency-Key was already used with a different request. Use a new key for a new request.')
}

/**
 * Runs `work` once per key: the first time, its answer is stored and returned; a repeat returns the
 * stored answer. Without a key, `work` simply runs.
 */
export async function idempotent(
  store: ChatStore,
  client: string,
  key: string | undefined,
  print: string,
  work: () => Promise<StoredAnswer>,
  respond: (answer: StoredAnswer) => Response,
): Promise<Response> {
  if (key === undefined) return respond(await work())
  const blob = idempotencyKey(client, sha(key))
  const pending: IdempotencyRecord = { fingerprint: print, state: 'pending', createdAt: new Date().toISOString(), owner: randomUUID() }
  const waitUntil = Date.now() + WAIT_FOR_FIRST_MS
  for (let claimed = (await store.setJSON(blob, pending, { onlyIfNew: true })).modified; !claimed; ) {
    const existing = await store.getJSONWithListedEtag<IdempotencyRecord>(blob)
    if (!existing) {
      claimed = (await store.setJSON(blob, pending, { onlyIfNew: true })).modified
      continue
    }
    const record = existing.data
    if (record.fingerprint !== print) throw mismatch()
    if (record.state === 'done' && record.answer) return replay(record.answer)
    // A request that claimed the key and died: take its record over (one of several repeats wins).
    if (Date.now() - Date.parse(record.createdAt) > ABANDONED_MS && existing.etag) {
      claimed = (await store.setJSON(blob, pending, { onlyIfMatch: existing.etag })).modified
      continue
    }
    if (Date.now() > waitUntil) {
      throw new AppError('conflict', 'A request with this Idempotency-Key is still being processed. Try again in a few seconds.', { retryAfterSeconds: 2 })
    }
    await sleep(100)
  }
  let answer: StoredAnswer
  try {
    answer = await work()
  } catch (error) {
    await store.delete(blob).catch(() => undefined)
    throw error
  }
  // The work is done: a failure to remember its answer must not turn it into an error.
  await store.setJSON(blob, { ...pending, state: 'done', answer } satisfies IdempotencyRecord).catch((error) => log.error('idempotency_record_failed', { error: describeError(error) }))
  return respond(answer)
}

/** When a record may be deleted (cleanup): its answer's expiry, or an hour after a request that never finished. */
export function idempotencyExpiry(record: unknown): number {
  const r = record as Partial<IdempotencyRecord> | null
  const at = Date.parse(r?.answer?.expiresAt ?? '')
  return Number.isFinite(at) ? at : Date.parse(r?.createdAt ?? '') + 3_600_000 || 0
}
