/**
 * An msw stand-in for the REST API, scripted per test: each status request takes the next step of
 * the script. It records every request and how many were in flight at once.
 */
import { delay, http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { ModelsDocument, StatusDocument } from '../../../shared/types.ts'
import { CHAT_ID, modelsDoc } from './fixtures.ts'

/**
 * One answer to a status request: a document (200), `304`, an HTTP error status with the API's error
 * body, or `network` for a connection that fails. `holdMs` makes the server wait first, like a long poll.
 */
export type StatusStep =
  | StatusDocument
  | { doc?: StatusDocument; status?: number; code?: string; message?: string; network?: boolean; holdMs?: number }

export interface Recorded {
  method: string
  url: URL
  body: unknown
  authorization: string | null
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

/**
 * Installs the API: models, POST /api/ai/chat (202 with CHAT_ID), cancel and retry (202), and the
 * status endpoint answering `steps` in order; once they run out it holds each request for a second
 * and answers 304, as the server does when nothing changes.
 */
export function installApi(options: { steps?: StatusStep[]; models?: ModelsDocument } = {}) {
  const steps = [...(options.steps ?? [])]
  const requests: Recorded[] = []
  let inFlight = 0
  let maxInFlight = 0

  const record = async (request: Request) => {
    const text = request.method === 'GET' ? '' : await request.clone().text()
    requests.push({
      method: request.method,
      url: new URL(request.url),
      body: text ? JSON.parse(text) : undefined,
      authorization: request.headers.get('authorization'),
      at: Date.now(),
    })
  }

  server.use(
    http.get('/api/ai/models', async ({ request }) => {
      await record(request)
      return HttpResponse.json(options.models ?? modelsDoc())
    }),
    http.post('/api/ai/chat', async ({ request }) => {
      await record(request)
      return HttpResponse.json(
        { success: true, chatId: CHAT_ID, status: 'pending', statusUrl: `/api/ai/chat/${CHAT_ID}` },
        { status: 202 },
      )
    }),
    http.post('/api/ai/chat/:id/cancel', async ({ request, params }) => {
      await record(request)
      return HttpResponse.json({ success: true, chatId: params.id, status: 'processing' }, { status: 202 })
    }),
    http.post('/api/ai/chat/:id/retry', async ({ request, params }) => {
      await record(request)
      const { provider } = (await request.clone().json()) as { provider: string }
      return HttpResponse.json({ success: true, chatId: params.id, provider, attempt: 2 }, { status: 202 })
    }),
    http.get('/api/ai/chat/:id', async ({ request }) => {
      await record(request)
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      try {
        const step = steps.shift() ?? { status: 304, holdMs: 1000 }
        if ('success' in step) return HttpResponse.json(step)
        if (step.holdMs) await delay(step.holdMs)
        if (step.network) return HttpResponse.error()
        if (step.doc) return HttpResponse.json(step.doc)
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
    statusRequests: () => requests.filter((r) => r.method === 'GET' && r.url.pathname.startsWith('/api/ai/chat/')),
    get maxInFlight() {
      return maxInFlight
    },
  }
}

export { CHAT_ID }
