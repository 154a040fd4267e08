// @ts-check
/**
 * The REST client: one place that adds the access token, sends each POST with its own
 * `Idempotency-Key` (so a retry after a lost answer cannot create a second chat) and turns every
 * failure into an `ApiError` whose message is the server's own sentence.
 */
import { randomUUID } from 'node:crypto'

/** @import { AcceptedDocument, CancelAnswer, ChatInput, MessageInput, StatusDocument, TurnAccepted } from '../../shared/types.ts' */

/** A failed call. `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  /** @override */
  name = 'ApiError'

  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message Written for a person.
   * @param {number} [retryAfter] Seconds, from a 429's `Retry-After`.
   */
  constructor(status, code, message, retryAfter) {
    super(message)
    this.status = status
    this.code = code
    this.retryAfter = retryAfter
  }

  /** Worth trying again: the network, a 5xx or a 429. */
  get transient() {
    return this.status === 0 || this.status === 429 || this.status >= 500
  }
}

/** How many times a POST is sent when the network or the server fails. */
export const POST_TRIES = 3

/**
 * The wait before the next try: `baseMs`, then twice that, up to 8 times it (0.5, 1, 2, 4, 4… s by
 * default), or the server's `Retry-After` when longer.
 * @param {number} failures Failures so far, at least 1.
 * @param {number} baseMs
 * @param {number} [retryAfterSeconds]
 */
export function backoff(failures, baseMs, retryAfterSeconds = 0) {
  return Math.max(retryAfterSeconds * 1000, Math.min(baseMs * 8, baseMs * 2 ** (failures - 1)))
}

/**
 * Resolves after `milliseconds`, or rejects when `signal` aborts.
 * @param {number} milliseconds
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
export function sleep(milliseconds, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, milliseconds)
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true })
  })
}

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body] Sent as JSON.
 * @property {Record<string, string>} [headers]
 * @property {AbortSignal} [signal]
 * @property {number} [timeoutMs]
 */

/**
 * @param {{ url: string, token?: string, backoffMs: number }} options
 */
export function createApi({ url, token, backoffMs }) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   */
  async function request(method, path, { body, headers = {}, signal, timeoutMs } = {}) {
    const timeout = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined
    const signals = /** @type {AbortSignal[]} */ ([signal, timeout].filter(Boolean))
    try {
      return await fetch(url + path, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signals.length ? AbortSignal.any(signals) : undefined,
      })
    } catch (error) {
      if (signal?.aborted) throw error
      if (timeout?.aborted) throw new ApiError(0, 'timeout', `${url} did not answer within ${Math.round((timeoutMs ?? 0) / 1000)} s.`)
      const cause = /** @type {{ cause?: { code?: string, message?: string } }} */ (error).cause
      throw new ApiError(0, 'network', `Could not reach ${url} (${cause?.code ?? cause?.message ?? 'network error'}).`)
    }
  }

  /**
   * The JSON of a successful answer, or the API's error.
   * @param {Response} response
   * @returns {Promise<any>}
   */
  async function read(response) {
    const body = await response.json().catch(() => null)
    if (response.ok && body?.success) return body
    if (body?.error?.message) {
      const retryAfter = Number(response.headers.get('retry-after')) || undefined
      throw new ApiError(response.status, body.error.code ?? 'internal', body.error.message, retryAfter)
    }
    throw new ApiError(response.status, 'internal', `${url} answered ${response.status} without the API's JSON. Is --url right?`)
  }

  /**
   * One user action: the same `Idempotency-Key` on every try, retried on network errors and 5xx.
   * Without `sync` the server answers at once, so a silent one counts as a network error.
   * @param {string} path
   * @param {unknown} body
   * @param {{ sync: boolean, signal?: AbortSignal }} options
   */
  async function postOnce(path, body, { sync, signal }) {
    const key = randomUUID()
    const timeoutMs = sync ? undefined : 30_000
    for (let tries = 1; ; tries++) {
      try {
        return await read(await request('POST', path + (sync ? '?mode=sync' : ''), { body, headers: { 'idempotency-key': key }, signal, timeoutMs }))
      } catch (error) {
        const retry = error instanceof ApiError && (error.status === 0 || error.status >= 500) && tries < POST_TRIES
        if (!retry || signal?.aborted) throw error
        await sleep(backoff(tries, backoffMs), signal)
      }
    }
  }

  /** @param {string} id */
  const chatPath = (id) => `/api/ai/chat/${encodeURIComponent(id)}`

  return {
    /**
     * `POST /api/ai/chat`: 202 with the chat id, or with `sync` 200 with the finished chat.
     * @param {ChatInput} input
     * @param {{ sync: boolean, signal?: AbortSignal }} options
     * @returns {Promise<AcceptedDocument | StatusDocument>}
     */
    createChat: (input, options) => postOnce('/api/ai/chat', input, options),

    /**
     * `POST /api/ai/chat/<id>/messages`: the next turn.
     * @param {string} id
     * @param {MessageInput} input
     * @param {{ sync: boolean, signal?: AbortSignal }} options
     * @returns {Promise<TurnAccepted | StatusDocument>}
     */
    sendMessage: (id, input, options) => postOnce(`${chatPath(id)}/messages`, input, options),

    /**
     * `GET /api/ai/chat/<id>`, latest turn in full. With `since`, a long poll of up to `waitMs` that
     * resolves to null when nothing changed (304).
     * @param {string} id
     * @param {{ since?: string, waitMs: number, signal?: AbortSignal }} options
     * @returns {Promise<StatusDocument | null>}
     */
    async status(id, { since, waitMs, signal }) {
      const query = since ? `?since=${encodeURIComponent(since)}&wait=${waitMs}&turns=latest` : '?turns=latest'
      const response = await request('GET', chatPath(id) + query, { signal, timeoutMs: waitMs + 30_000 })
      return response.status === 304 ? null : read(response)
    },

    /**
     * `POST /api/ai/chat/<id>/cancel`, sent once: the user is waiting to get their prompt back.
     * @param {string} id
     * @returns {Promise<CancelAnswer>}
     */
    cancel: async (id) => read(await request('POST', `${chatPath(id)}/cancel`, { body: {}, timeoutMs: 10_000 })),

    /**
     * `GET /api/ai/chat/<id>/export?format=md`: the chat as a Markdown transcript.
     * @param {string} id
     * @returns {Promise<string>}
     */
    async markdown(id) {
      const response = await request('GET', `${chatPath(id)}/export?format=md`, { headers: { accept: 'text/markdown' }, timeoutMs: 30_000 })
      if (response.ok) return response.text()
      return read(response)
    },
  }
}

/** @typedef {ReturnType<typeof createApi>} Api */
