/**
 * Everything an API test needs: a real BlobsServer, the functions on the in-process platform,
 * and msw playing the providers. Provider keys are set to test values that must never leak. The
 * server's log lines are captured (`logs`) and also printed, which vitest shows only for a failing
 * test (`silent: 'passed-only'`).
 */
import { http, passthrough, type HttpHandler } from 'msw'
import { setupServer } from 'msw/node'
import { setLogSink } from '../log.ts'
import { contractViolations } from './contract.ts'
import { startBlobs, type TestBlobs } from './blobs.ts'
import { FakeProviders } from './fake-providers.ts'
import { createPlatform, type Platform } from './platform.ts'

/**
 * How often a test asks for a chat's status while it waits for a state. Conditions, not times, are
 * what tests wait for: this only sets how soon a change is seen (every ask is a full status read
 * through the blob server, so asking 50 times a second cost about a tenth of the suite's CPU).
 */
export const POLL_MS = 100

export const TEST_KEYS = {
  OPENAI_API_KEY: 'sk-test-openai-5ecret0penai',
  ANTHROPIC_API_KEY: 'sk-ant-test-5ecretAnthr0pic',
  GEMINI_API_KEY: 'AIza-test-5ecretGemini',
} as const

/** Env for a test: the three test keys, quick retries, and no demo mode unless asked. */
export const TEST_ENV: Record<string, string | undefined> = {
  ...TEST_KEYS,
  GOOGLE_API_KEY: undefined,
  OPENAI_BASE_URL: undefined,
  ANTHROPIC_BASE_URL: undefined,
  GOOGLE_GEMINI_BASE_URL: undefined,
  AI_CHAT_DEMO: undefined,
  AI_CHAT_MODE: undefined,
  AI_CHAT_SECRET: undefined,
  AI_CHAT_ACCESS_TOKEN: undefined,
  AI_CHAT_RETRY_BASE_MS: '20',
  AI_CHAT_MAX_ACTIVE_PER_IP: '1000',
  AI_CHAT_PRICES: undefined,
  AI_CHAT_MAX_PARTICIPANTS: undefined,
}

export interface ApiAnswer<T = any> {
  status: number
  headers: Headers
  body: T
}

export interface Harness {
  /** Log lines the server wrote since the harness started (or the last `clearLogs`). */
  logs: string[]
  clearLogs(): void
  blobs: TestBlobs
  providers: FakeProviders
  platform: Platform
  /** Calls the app the way curl would. */
  api<T = any>(path: string, init?: RequestInit & { json?: unknown }): Promise<ApiAnswer<T>>
  /** Posts a chat and returns its id. */
  startChat(body?: unknown): Promise<string>
  /** Reads the status until `until` holds (each read is a real request; no fixed sleeps but a 20 ms pause). */
  pollUntil(chatId: string, until: (doc: any) => boolean, timeoutMs?: number): Promise<any>
  /** Polls the status until the chat (its latest turn) is final. */
  waitForFinal(chatId: string, timeoutMs?: number): Promise<any>
  use(...handlers: HttpHandler[]): void
  setEnv(env: Record<string, string | undefined>): void
  close(): Promise<void>
}

export async function createHarness(env: Record<string, string | undefined> = {}, options: { setup?: (providers: FakeProviders) => void } = {}): Promise<Harness> {
  const saved = new Map<string, string | undefined>()
  const setEnv = (vars: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(vars)) {
      if (!saved.has(name)) saved.set(name, process.env[name])
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
  setEnv({ ...TEST_ENV, ...env })

  const logs: string[] = []
  setLogSink((level, line) => {
    logs.push(line)
    ;(level === 'error' ? console.error : level === 'warn' ? console.warn : console.log)(line)
  })
  const blobs = await startBlobs()
  const providers = new FakeProviders()
  options.setup?.(providers)
  const platform = createPlatform()
  const server = setupServer(
    ...providers.handlers(),
    http.all(`${platform.origin}/*`, ({ request }) => platform.fetch(request)),
    // The real blob server is reached over the network; everything else must be a known fake.
    http.all(`${blobs.url}/*`, () => passthrough()),
  )
  server.listen({ onUnhandledFrame: 'error' })

  const api: Harness['api'] = async (path, init = {}) => {
    const { json, ...rest } = init
    const request = new Request(new URL(path, platform.origin), {
      ...rest,
      ...(json !== undefined ? { method: rest.method ?? 'POST', body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...(rest.headers as Record<string, string>) } } : {}),
    })
    const response = await platform.fetch(request)
    const text = await response.text()
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : null
    } catch {
      // not JSON
    }
    // The contract test: every response must be one the OpenAPI document describes (the platform's
    // own 404 for a path no function serves is not ours).
    const platformNotFound = response.status === 404 && body === 'Not found'
    const problems = platformNotFound ? [] : contractViolations({ method: request.method, url: request.url, status: response.status, headers: response.headers, body })
    if (problems.length) throw new Error(`The response breaks the OpenAPI contract:\n${problems.join('\n')}`)
    return { status: response.status, headers: response.headers, body: body as any }
  }

  const pollUntil: Harness['pollUntil'] = async (chatId, until, timeoutMs = 10_000) => {
    const end = Date.now() + timeoutMs
    for (;;) {
      const answer = await api(`/api/ai/chat/${chatId}`)
      if (answer.status !== 200) throw new Error(`status answered ${answer.status}: ${JSON.stringify(answer.body)}`)
      if (until(answer.body)) return answer.body
      if (Date.now() > end) throw new Error(`chat ${chatId}: condition not reached after ${timeoutMs} ms: ${JSON.stringify(answer.body.results)}`)
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }

  return {
    logs,
    clearLogs: () => void logs.splice(0),
    blobs,
    providers,
    platform,
    api,
    setEnv,
    use: (...handlers) => server.use(...handlers),
    async startChat(body = { message: 'Compare yourselves in one sentence.' }) {
      const answer = await api('/api/ai/chat', { json: body })
      if (answer.status !== 202) throw new Error(`POST answered ${answer.status}: ${JSON.stringify(answer.body)}`)
      return answer.body.chatId as string
    },
    pollUntil,
    waitForFinal: (chatId, timeoutMs) => pollUntil(chatId, (doc) => doc.status === 'completed' || doc.status === 'failed', timeoutMs),
    async close() {
      await platform.settle()
      server.close()
      await blobs.stop()
      setLogSink(undefined)
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    },
  }
}
