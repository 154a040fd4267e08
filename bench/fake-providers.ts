/**
 * The benchmark's fake AI providers: one local HTTP server that answers the OpenAI, Anthropic and
 * Gemini streaming endpoints in their real wire formats (server/testing/wire.ts), at the latency,
 * chunk cadence and faults the chat's own prompt asks for, and logs every call.
 *
 * The driver puts each provider's reply script in the prompt (`benchMessage`), so the server keeps
 * no per-run state and every call can be traced back to its chat: two calls with the same chat and
 * provider are a duplicate provider call.
 *
 * Run alone (`node bench/fake-providers.ts [--port N]`), it prints `FAKE_READY {"url": …}` and
 * serves until it is stopped; `GET /__fake/calls?since=<seq>` returns the log, `POST /__fake/reset`
 * clears it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BuiltInProviderId } from '../shared/catalogue.ts'
import { fakeResponse, providerOfRequest, type FakeReply } from '../server/testing/wire.ts'
import { now } from './stats.ts'
import { writeResponse } from '../server/testing/write-response.ts'

/** A provider the fake plays: one of the three wire formats (the built-in providers). */
export type ProviderId = BuiltInProviderId

/** A reply script per provider, for one chat (or one turn of a conversation). */
export type ChatScript = Partial<Record<ProviderId, FakeReply>>

const MARKER = /Benchmark chat ([A-Za-z0-9:#._-]+)\. Reply script: ([A-Za-z0-9_-]+)/g

/** The prompt of a benchmark chat: its label and every provider's reply script. */
export function benchMessage(chat: string, script: ChatScript): string {
  return `Benchmark chat ${chat}. Reply script: ${Buffer.from(JSON.stringify(script)).toString('base64url')}`
}

/**
 * The chat label and scripts found in a request body (each SDK wraps the prompt differently). A
 * follow-up turn's request carries the whole history, every earlier prompt included: the last
 * marker is the current turn's.
 */
export function parseBenchMessage(raw: string): { chat: string; script: ChatScript } | null {
  const match = [...raw.matchAll(MARKER)].at(-1)
  if (!match) return null
  try {
    return { chat: match[1]!, script: JSON.parse(Buffer.from(match[2]!, 'base64url').toString('utf8')) as ChatScript }
  } catch {
    return { chat: match[1]!, script: {} }
  }
}

/** What a prompt without a script gets: a short, quick answer. */
export const DEFAULT_REPLY: FakeReply = { delayMs: 100, chunks: ['A fake', ' answer', ' from the benchmark.'], chunkMs: 30 }

/** One provider call as the fake saw it. Times are `now()` (epoch ms, sub-ms precision). */
export interface FakeCallRecord {
  seq: number
  provider: ProviderId
  model: string
  /** The chat label from the prompt, or null for a prompt without one. */
  chat: string | null
  path: string
  receivedAt: number
  /** When the first text delta was handed to the socket. */
  firstByteAt?: number
  /** When the final frame (finish reason, usage) was handed to the socket. */
  lastByteAt?: number
  /** When the response ended (or was cut). */
  endedAt?: number
  status: number
  /** The caller hung up before the response ended. */
  aborted: boolean
}

export interface FakeProviders {
  url: string
  calls: FakeCallRecord[]
  close(): Promise<void>
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function modelOf(provider: ProviderId, path: string, body: string): string {
  if (provider === 'gemini') return decodeURIComponent(/\/models\/([^/:]+):/.exec(path)?.[1] ?? '')
  try {
    return String((JSON.parse(body) as { model?: unknown }).model ?? '')
  } catch {
    return ''
  }
}

export async function startFakeProviders(options: { port?: number; host?: string } = {}): Promise<FakeProviders> {
  const host = options.host ?? '127.0.0.1'
  const calls: FakeCallRecord[] = []
  let seq = 0

  async function answerProvider(provider: ProviderId, req: IncomingMessage, res: ServerResponse, url: URL) {
    const body = await readBody(req)
    const parsed = parseBenchMessage(body)
    const record: FakeCallRecord = {
      seq: ++seq,
      provider,
      model: modelOf(provider, url.pathname, body),
      chat: parsed?.chat ?? null,
      path: url.pathname,
      receivedAt: now(),
      status: 0,
      aborted: false,
    }
    calls.push(record)
    const reply = parsed?.script[provider] ?? DEFAULT_REPLY
    const controller = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) {
        record.aborted = true
        record.endedAt ??= now()
        controller.abort()
      }
    })
    const response = await fakeResponse(provider, reply, controller.signal, {
      onFirstByte: () => (record.firstByteAt = now()),
      onLastByte: () => (record.lastByteAt = now()),
    })
    record.status = response.status
    if (controller.signal.aborted) return
    try {
      await writeResponse(response, res)
      record.endedAt = now()
    } catch {
      // A scripted cut (`cutAfter`) or a caller that went away: break the connection as a real one would.
      record.endedAt ??= now()
      res.destroy()
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`)
    if (url.pathname === '/__fake/calls') {
      const since = Number(url.searchParams.get('since') ?? 0)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(calls.filter((call) => call.seq > since)))
      return
    }
    if (url.pathname === '/__fake/reset' && req.method === 'POST') {
      calls.length = 0
      res.writeHead(204).end()
      return
    }
    const provider = req.method === 'POST' ? providerOfRequest(url.href) : null
    if (!provider) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not a provider endpoint"}')
      return
    }
    answerProvider(provider, req, res, url).catch(() => res.destroy())
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Reads a fake server's log over HTTP (when it runs in another process). */
export async function fetchCalls(url: string, since = 0): Promise<FakeCallRecord[]> {
  const response = await fetch(`${url}/__fake/calls?since=${since}`)
  return (await response.json()) as FakeCallRecord[]
}

/** Calls made more than once for the same chat and provider. */
export function duplicateCalls(calls: readonly FakeCallRecord[]): number {
  const seen = new Map<string, number>()
  for (const call of calls) {
    if (!call.chat) continue
    const key = `${call.chat} ${call.provider}`
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  return [...seen.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0)
}

if (import.meta.main) {
  const portArg = process.argv.indexOf('--port')
  const fake = await startFakeProviders({ port: portArg > 0 ? Number(process.argv[portArg + 1]) : 0 })
  console.log(`FAKE_READY ${JSON.stringify({ url: fake.url })}`)
  const stop = () => void fake.close().then(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('disconnect', stop)
}
