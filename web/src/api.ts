/** The page's REST client: one place that adds the access token, reads errors and asks for a token on 401. */
import { signal } from '@preact/signals'
import type {
  AcceptedDocument,
  ApiErrorCode,
  CancelAnswer,
  ChatInput,
  MessageInput,
  ModelsDocument,
  PickAnswer,
  RetryAnswer,
  StatusDocument,
  TurnAccepted,
} from '../../shared/types.ts'

/**
 * How long the server may hold a status request waiting for a change (the long poll). State changes
 * (a participant's first words, its finish) come back at once whatever this is; it sets how often the
 * growing text of a streaming answer is refreshed. Measured with `npm run bench`: 1000 ms made
 * 1.6 requests/s for answers of real length, 2000 ms 0.98/s, with the same staleness.
 */
export const WAIT_MS = 2000

/** Pauses between the tries of a POST that creates something (network error or 5xx): 3 tries in all. */
export const POST_RETRY_DELAYS_MS = [500, 1000]

/** The sentence for a server that could not be reached; it reads on its own and after "Could not …:". */
export const UNREACHABLE = 'the server could not be reached.'

/**
 * A failed call: `status` 0 and code `network` when the server could not be reached. `message` is
 * written for people.
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: ApiErrorCode | 'network'
  /** Seconds from a 429's Retry-After. */
  readonly retryAfter: number | undefined

  constructor(status: number, code: ApiErrorCode | 'network', message: string, retryAfter?: number) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.retryAfter = retryAfter
  }

  /** Worth trying again later: the network, a 5xx (the local emulator answers a transient 500 now and then) or a 429. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500
  }
}

export interface Storage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

const TOKEN_KEY = 'ai-chat:token'

/**
 * The optional access token. A 401 sets `asking` and parks every call until `provide()`;
 * calls that got their 401 at the same time share one question.
 */
export function createTokenGate(storage: Storage) {
  /** `required` for the first question, `refused` when the stored token was answered 401. */
  const asking = signal<'required' | 'refused' | null>(null)
  let waiters: Array<() => void> = []

  return {
    asking,
    get: (): string | null => storage.getItem(TOKEN_KEY),
    need(used: string | null, abort?: AbortSignal): Promise<void> {
      // Someone answered the question since this call was sent: try again with the new token.
      if (storage.getItem(TOKEN_KEY) !== used) return Promise.resolve()
      asking.value = used ? 'refused' : 'required'
      return new Promise((resolve, reject) => {
        waiters.push(resolve)
        abort?.addEventListener('abort', () => reject(abort.reason), { once: true })
      })
    },
    provide(token: string): void {
      storage.setItem(TOKEN_KEY, token.trim())
      asking.value = null
      for (const wake of waiters.splice(0)) wake()
    },
  }
}

export type TokenGate = ReturnType<typeof createTokenGate>

export interface StatusQuery {
  /** The version held: the server holds the request until the document changes (304 when it does not). */
  since?: string
  /** Earlier turns without their results (the page keeps the ones it has). */
  latestOnly?: boolean
}

/** An export download: its file name (from Content-Disposition) and its content. */
export interface ExportFile {
  filename: string
  blob: Blob
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds))

/** The file name of a Content-Disposition header (`filename*=` first), or null. */
export function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null
  const extended = /filename\*\s*=\s*(?:UTF-8'[^']*')?([^;]+)/i.exec(disposition)
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim().replace(/^"|"$/g, ''))
    } catch {
      // Fall back to the plain parameter.
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(disposition)
  return plain ? (plain[2] ?? plain[1]!).trim() : null
}

export function createApi(tokens: TokenGate, fetcher: typeof fetch = (input, init) => fetch(input, init)) {
  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    for (;;) {
      const token = tokens.get()
      const headers = new Headers(init.headers)
      headers.set('accept', 'application/json')
      if (token) headers.set('authorization', `Bearer ${token}`)
      let response: Response
      try {
        response = await fetcher(path, { ...init, headers, cache: 'no-store' })
      } catch (error) {
        if (init.signal?.aborted) throw error
        throw new ApiError(0, 'network', `The server could not be reached.`)
      }
      if (response.status !== 401) return response
      await tokens.need(token, init.signal ?? undefined)
    }
  }

  async function fail(response: Response): Promise<never> {
    const body = await response.json().catch(() => null)
    const retryAfter = Number(response.headers.get('retry-after')) || undefined
    throw new ApiError(
      response.status,
      body?.error?.code ?? 'internal',
      body?.error?.message ?? `The server answered with status ${response.status}.`,
      retryAfter,
    )
  }

  async function read<T>(response: Response): Promise<T> {
    if (!response.ok) return fail(response)
    const body = await response.json().catch(() => null)
    if (body?.success) return body as T
    throw new ApiError(response.status, 'internal', 'The server sent an answer this page cannot read.')
  }

  const send = <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then((response) => read<T>(response))

  /**
   * A POST that creates something, sent with an `Idempotency-Key`: a network error or a 5xx is tried
   * again with the same key (3 tries), so a lost answer never creates the chat or the turn twice.
   */
  async function create<T>(path: string, body: unknown, key: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send<T>('POST', path, body, { 'idempotency-key': key })
      } catch (error) {
        const again = error instanceof ApiError && (error.status === 0 || error.status >= 500)
        if (!again || attempt >= POST_RETRY_DELAYS_MS.length) throw error
        await sleep(POST_RETRY_DELAYS_MS[attempt]!)
      }
    }
  }

  const chatPath = (id: string) => `/api/ai/chat/${encodeURIComponent(id)}`

  return {
    models: () => call('/api/ai/models').then((response) => read<ModelsDocument>(response)),
    /** `key` is the user action's Idempotency-Key (one per click, the same for its retries). */
    createChat: (input: ChatInput, key: string) => create<AcceptedDocument>('/api/ai/chat', input, key),
    sendMessage: (id: string, input: MessageInput, key: string) => create<TurnAccepted>(`${chatPath(id)}/messages`, input, key),
    /** The chat's status; with `since`, a long poll that resolves to null when nothing changed (304). */
    async status(id: string, query: StatusQuery, abort: AbortSignal): Promise<StatusDocument | null> {
      const params = new URLSearchParams()
      if (query.since) {
        params.set('since', query.since)
        params.set('wait', String(WAIT_MS))
      }
      if (query.latestOnly) params.set('turns', 'latest')
      const search = params.toString() ? `?${params}` : ''
      const response = await call(chatPath(id) + search, { signal: abort })
      return response.status === 304 ? null : read<StatusDocument>(response)
    },
    cancel: (id: string) => send<CancelAnswer>('POST', `${chatPath(id)}/cancel`, {}),
    retry: (id: string, participant: string) => send<RetryAnswer>('POST', `${chatPath(id)}/retry`, { participant }),
    pick: (id: string, turn: number, participant: string) =>
      send<PickAnswer>('POST', `${chatPath(id)}/turns/${turn}/pick`, { participant }),
    unpick: (id: string, turn: number) => send<PickAnswer>('DELETE', `${chatPath(id)}/turns/${turn}/pick`),
    async exportChat(id: string, format: 'md' | 'json'): Promise<ExportFile> {
      const response = await call(`${chatPath(id)}/export?format=${format}`)
      if (!response.ok) return fail(response)
      const filename = filenameOf(response.headers.get('content-disposition')) ?? `chat-${id}.${format}`
      return { filename, blob: await response.blob() }
    },
  }
}

export type Api = ReturnType<typeof createApi>

/** A failure inside the page (not of a call) whose message is written for people, e.g. a refused clipboard. */
export class PageError extends Error {
  override name = 'PageError'
}

/** The message to show for any failure. */
export function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof PageError
    ? error.message
    : 'Something went wrong in this page. Reload and try again.'
}

/** "Could not cancel: the server could not be reached." — which action failed, and why. */
export function actionFailed(action: string, error: unknown): string {
  if (error instanceof ApiError && error.status === 0) return `Could not ${action}: ${UNREACHABLE}`
  return `Could not ${action}: ${messageOf(error)}`
}
