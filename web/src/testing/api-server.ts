/**
 * An msw stand-in for the REST API in the contract's shape, scripted per test: each status request
 * takes the next step of the script. It records every request and how many were in flight at once,
 * and keeps `Idempotency-Key`s as the server does (a repeated key answers the same chat or turn).
 */
import { delay, http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { ModelsDocument, StatusDocument } from '../../../shared/types.ts'
import { CHAT_ID, latestOnly, modelsDoc } from './fixtures.ts'

/**
 * One answer to a status request: a document (200), `304`, an HTTP error status with the API's error
 * body, or `network` for a connection that fails. `holdMs` makes the server wait first, like a long poll.
 */
export type StatusStep =
  | StatusDocument
  | { doc?: StatusDocument; status?: number; code?: string; message?: string; network?: boolean; holdMs?: number }

/** What happens to a POST that creates a chat or a turn: `lost` creates it and drops the answer; a number answers that status. */
export type PostFault = 'lost' | number

export interface Recorded {
  method: string
  url: URL
  body: unknown
  authorization: string | null
  idempotencyKey: string | null
  /** Fake time when it arrived. */
  at: number
}

export const server = setupServer()

/** Starts msw for the file; every test begins with no handlers but the ones it adds. */
export function useApiServer() {
  beforeAll(() => server.listen({ onUnhandledFrame: 'error' }))
  afterEach(() => server.resetHandlers())
  afterAll(() => server.close())
}

const errorBody = (code: string, message: string) => ({ success: false, error: { code, message } })

export function apiError(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return HttpResponse.json(errorBody(code, message), { status, headers })
}

export interface ApiOptions {
  steps?: StatusStep[]
  models?: ModelsDocument
  /** The chat id POST /api/ai/chat creates. */
  chatId?: string
  /** Faults for the creating POSTs, taken in order. */
  postFaults?: PostFault[]
}

/**
 * Installs the API: models, POST /api/ai/chat (202), POST …/messages (202, the next turn), cancel and
 * retry (202), pick and unpick (200), export (a file with Content-Disposition), and the status
 * endpoint answering `steps` in order; once they run out it holds each request for a second and
 * answers 304, as the server does when nothing changes.
 */
export function installApi(options: ApiOptions = {}) {
  const steps = [...(options.steps ?? [])]
  const faults = [...(options.postFaults ?? [])]
  const chatId = options.chatId ?? CHAT_ID
  const requests: Recorded[] = []
  /** Idempotency-Key → the answer it created. */
  const created = new Map<string, unknown>()
  let chatsCreated = 0
  let turnsCreated = 0
  let inFlight = 0
  let maxInFlight = 0

  const record = async (request: Request) => {
    const text = request.method === 'GET' ? '' : await request.clone().text()
    requests.push({
      method: request.method,
      url: new URL(request.url),
      body: text ? JSON.parse(text) : undefined,
      authorization: request.headers.get('authorization'),
      idempotencyKey: request.headers.get('idempotency-key'),
      at: Date.now(),
    })
  }

  /** Creates once per key, then answers (or drops, or fails) as the next fault says. */
  const creating = (request: Request, make: () => { body: unknown; count: () => void }) => {
    const fault = faults.shift()
    if (typeof fault === 'number') return apiError(fault, 'internal', 'Something went wrong on our side. Try again.')
    const key = request.headers.get('idempotency-key') ?? crypto.randomUUID()
    if (!created.has(key)) {
      const made = make()
      made.count()
      created.set(key, made.body)
    }
    if (fault === 'lost') return HttpResponse.error()
    return HttpResponse.json(created.get(key) as object, { status: 202, headers: { location: `/api/ai/chat/${chatId}` } })
  }

  server.use(
    http.get('/api/ai/models', async ({ request }) => {
      await record(request)
      return HttpResponse.json(options.models ?? modelsDoc())
    }),
    http.post('/api/ai/chat', async ({ request }) => {
      await record(request)
      return creating(request, () => ({
        body: { success: true, chatId, status: 'pending', statusUrl: `/api/ai/chat/${chatId}` },
        count: () => chatsCreated++,
      }))
    }),
    http.post('/api/ai/chat/:id/messages', async ({ request, params }) => {
      await record(request)
      return creating(request, () => ({
        body: { success: true, chatId: params.id, turn: turnsCreated + 2, statusUrl: `/api/ai/chat/${params.id}` },
        count: () => turnsCreated++,
      }))
    }),
    http.post('/api/ai/chat/:id/cancel', async ({ request, params }) => {
      await record(request)
      return HttpResponse.json({ success: true, chatId: params.id, status: 'processing', cancelled: ['openai'] }, { status: 202 })
    }),
    http.post('/api/ai/chat/:id/retry', async ({ request, params }) => {
      await record(request)
      const { participant } = (await request.clone().json()) as { participant: string }
      return HttpResponse.json(
        { success: true, chatId: params.id, participant, provider: participant.replace(/-\d+$/, ''), turn: 1, attempt: 2, statusUrl: `/api/ai/chat/${params.id}` },
        { status: 202 },
      )
    }),
    http.post('/api/ai/chat/:id/turns/:turn/pick', async ({ request, params }) => {
      await record(request)
      const { participant } = (await request.clone().json()) as { participant: string }
      return HttpResponse.json({ success: true, chatId: params.id, turn: Number(params.turn), pick: participant })
    }),
    http.delete('/api/ai/chat/:id/turns/:turn/pick', async ({ request, params }) => {
      await record(request)
      return HttpResponse.json({ success: true, chatId: params.id, turn: Number(params.turn), pick: null })
    }),
    http.get('/api/ai/chat/:id/export', async ({ request }) => {
      await record(request)
      const format = new URL(request.url).searchParams.get('format')
      const body = format === 'json' ? '{"success":true}' : '# Compare these models\n'
      return new HttpResponse(body, {
        headers: {
          'content-type': format === 'json' ? 'application/json' : 'text/markdown; charset=utf-8',
          'content-disposition': `attachment; filename="compare-these-models-2026-11-29.${format}"`,
        },
      })
    }),
    http.get('/api/ai/chat/:id', async ({ request }) => {
      await record(request)
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      const trim = (doc: StatusDocument) => (new URL(request.url).searchParams.get('turns') === 'latest' ? latestOnly(doc) : doc)
      try {
        const step = steps.shift() ?? { status: 304, holdMs: 1000 }
        if ('success' in step) return HttpResponse.json(trim(step))
        if (step.holdMs) await delay(step.holdMs)
        if (step.network) return HttpResponse.error()
        if (step.doc) return HttpResponse.json(trim(step.doc))
        if (step.status === 304) return new HttpResponse(null, { status: 304 })
        const status = step.status ?? 500
        return apiError(status, step.code ?? 'internal', step.message ?? 'Something went wrong on our side. Try again.')
      } finally {
        inFlight--
      }
    }),
  )

  return {
    requests,
    /** Adds answers to the end of the script. */
    push: (...more: StatusStep[]) => steps.push(...more),
    /** Requests other than GETs of the models and the status (the user's actions). */
    posts: () => requests.filter((r) => r.method !== 'GET'),
    statusRequests: () => requests.filter((r) => r.method === 'GET' && /^\/api\/ai\/chat\/[^/]+$/.test(r.url.pathname)),
    get chatsCreated() {
      return chatsCreated
    },
    get turnsCreated() {
      return turnsCreated
    },
    get maxInFlight() {
      return maxInFlight
    },
  }
}

export { CHAT_ID }
