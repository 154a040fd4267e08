/** The page's REST client: one place that adds the access token, reads errors and asks for a token on 401. */
import { signal } from '@preact/signals'
import type { ProviderId } from '../../shared/catalogue.ts'
import type { AcceptedDocument, ChatInput, ModelsDocument, StatusDocument } from '../../shared/types.ts'

/**
 * How long the server may hold a status request waiting for a change (the long poll). State changes
 * (a provider's first words, its finish) come back at once whatever this is; it sets how often the
 * growing text of a streaming answer is refreshed. Measured with `npm run bench`: 1000 ms made
 * 1.6 requests/s for answers of real length, 2000 ms 0.98/s, with the same staleness.
 */
export const WAIT_MS = 2000

/** A failed call: `status` 0 when the server could not be reached. `message` is written for people. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  /** Seconds from a 429's Retry-After. */
  readonly retryAfter: number | undefined

  constructor(status: number, code: string, message: string, retryAfter?: number) {
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

export interface CancelAccepted {
  success: true
  chatId: string
  status: string
}

export interface RetryAccepted {
  success: true
  chatId: string
  provider: ProviderId
  attempt: number
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
        throw new ApiError(0, 'network', 'Could not reach the server.')
      }
      if (response.status !== 401) return response
      await tokens.need(token, init.signal ?? undefined)
    }
  }

  async function read<T>(response: Response): Promise<T> {
    const body = await response.json().catch(() => null)
    if (response.ok && body?.success) return body as T
    const retryAfter = Number(response.headers.get('retry-after')) || undefined
    throw new ApiError(
      response.status,
      body?.error?.code ?? 'internal',
      body?.error?.message ?? `The server answered with status ${response.status}.`,
      retryAfter,
    )
  }

  const post = <T>(path: string, body?: unknown) =>
    call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }).then(
      (response) => read<T>(response),
    )
  const chatPath = (id: string) => `/api/ai/chat/${encodeURIComponent(id)}`

  return {
    models: () => call('/api/ai/models').then((response) => read<ModelsDocument>(response)),
    createChat: (input: ChatInput) => post<AcceptedDocument>('/api/ai/chat', input),
    /** The chat's status; with `since`, a long poll that resolves to null when nothing changed (304). */
    async status(id: string, since: string | undefined, abort: AbortSignal): Promise<StatusDocument | null> {
      const query = since ? `?since=${encodeURIComponent(since)}&wait=${WAIT_MS}` : ''
      const response = await call(chatPath(id) + query, { signal: abort })
      return response.status === 304 ? null : read<StatusDocument>(response)
    },
    cancel: (id: string) => post<CancelAccepted>(`${chatPath(id)}/cancel`),
    retry: (id: string, provider: ProviderId) => post<RetryAccepted>(`${chatPath(id)}/retry`, { provider }),
  }
}

export type Api = ReturnType<typeof createApi>

/** The message to show for any failure. */
export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong in this page. Reload and try again.'
}
