/**
 * The warm mode's "Netlify": every function handler imported once (server/testing/platform.ts)
 * behind a real node:http server on 127.0.0.1, so the POST's trigger fetch reaches the background
 * function over HTTP and the client talks to it as to a site. Runs in its own process so its
 * memory and CPU are the functions' alone.
 *
 * Expects the provider env vars (pointing at the fake providers) and NETLIFY_BLOBS_CONTEXT (the
 * blob server's process). Prints `APP_READY {"origin": …}`.
 *
 * Blob operations are attributed to the request that made them: the store wrapper reports each one
 * to the observer set with `observeStore` (server/store.ts), which charges it to the request running
 * it through an AsyncLocalStorage that each request runs in, and a background run and its timers
 * inherit. `/__bench/*` routes report and steer:
 * - `GET /__bench/stats`: costs per function and kind of request, peak RSS, CPU, event-loop delay,
 *   blob-call latency (at most 4096 blob calls in flight: see MAX_BLOB_CALLS);
 * - `POST /__bench/reset`: starts a new measurement window;
 * - `POST /__bench/settle`: waits for every background run and `waitUntil` promise;
 * - `POST /__bench/env` `{ NAME: value | null }`: changes the functions' environment (settings are
 *   read per call), e.g. `AI_CHAT_MAX_ACTIVE_PER_IP` for the per-client cap burst.
 *
 * A request may carry `x-bench-tag` (and `x-bench-turn`, the chat's latest turn as its client knows
 * it): its costs are then also counted under that tag, with the reads of result blobs of earlier
 * turns apart (a warm instance should make none).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createPlatform } from '../server/testing/platform.ts'
import { observeStore, type StoreOperation } from '../server/store.ts'
import { now, summarize } from './stats.ts'
import { readBody } from '../server/testing/serve.ts'
import { writeResponse } from '../server/testing/write-response.ts'

type StoreCounters = Record<StoreOperation, number>
const KINDS: StoreOperation[] = ['reads', 'writes', 'lists', 'deletes']
const zero = (): StoreCounters => ({ reads: 0, writes: 0, lists: 0, deletes: 0 })

interface RequestCost extends StoreCounters {
  /** post, messages, run, status, health, other. */
  fn: string
  /** For status requests: first (no since), held (since + wait), since (no wait); `+latest` with `turns=latest`. */
  shape: string
  status: number
  ms: number
  tag?: string
  /** The latest turn as the caller knows it (`x-bench-turn`). */
  turn?: number
  /** Reads of result blobs of turns before `turn`. */
  earlierResultReads: number
}

const als = new AsyncLocalStorage<RequestCost>()
let costs: RequestCost[] = []
const unattributed: StoreCounters = zero()

// Each store operation is charged to the request running it.
observeStore((operation, key) => {
  const cost = als.getStore()
  if (!cost) {
    unattributed[operation]++
    return
  }
  cost[operation]++
  if (operation === 'reads' && cost.turn !== undefined) {
    const turn = Number(/\/results\/(\d+)\//.exec(key)?.[1] ?? NaN)
    if (turn < cost.turn) cost.earlierResultReads++
  }
})

// Every call to the blob server goes through this: its latency (queueing included) by operation,
// and at most MAX_BLOB_CALLS in flight. One process here hosts what would be hundreds of function
// instances on Netlify; without a cap, an overloaded blob server makes it open sockets until the
// process runs out of file descriptors, which no single instance would.
const MAX_BLOB_CALLS = 4096
let blobLatency: Record<string, number[]> = {}
let blobIssued: Record<string, number> = {}
let blobInFlight = 0
let blobPeakQueue = 0
const blobQueue: Array<() => void> = []
const blobsContext = JSON.parse(Buffer.from(process.env.NETLIFY_BLOBS_CONTEXT ?? '', 'base64').toString('utf8') || '{}') as { edgeURL?: string }
const blobsOrigin = blobsContext.edgeURL ? new URL(blobsContext.edgeURL).origin : '-'
const realFetch = globalThis.fetch
globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : String(input))
  if (url.origin !== blobsOrigin) return realFetch(input, init)
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
  const op = method === 'GET' && url.searchParams.has('prefix') ? 'list' : method
  const startedAt = now()
  blobIssued[op] = (blobIssued[op] ?? 0) + 1
  if (blobInFlight >= MAX_BLOB_CALLS) {
    await new Promise<void>((resolve) => blobQueue.push(resolve))
    blobPeakQueue = Math.max(blobPeakQueue, blobQueue.length + 1)
  }
  blobInFlight++
  try {
    const response = await realFetch(input, init)
    const body = await response.arrayBuffer()
    return new Response(method === 'HEAD' || response.status === 204 || response.status === 304 ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers })
  } finally {
    blobInFlight--
    blobQueue.shift()?.()
    ;(blobLatency[op] ??= []).push(now() - startedAt)
  }
}

const rss = () => {
  try {
    return process.memoryUsage.rss()
  } catch {
    return 0 // reading /proc can fail under heavy load; the next sample will do
  }
}
let peakRss = rss()
setInterval(() => (peakRss = Math.max(peakRss, rss())), 50).unref()
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()
let cpuAt = process.cpuUsage()
let windowStartedAt = now()

function resetWindow() {
  costs = []
  Object.assign(unattributed, zero())
  blobLatency = {}
  blobIssued = {}
  peakRss = rss()
  blobPeakQueue = 0
  loopDelay.reset()
  cpuAt = process.cpuUsage()
  windowStartedAt = now()
}

function classify(method: string, url: URL): Pick<RequestCost, 'fn' | 'shape'> {
  const path = url.pathname
  if (path === '/.netlify/functions/ai-chat-run-background') return { fn: 'run', shape: '' }
  if (path === '/api/ai/chat' && method === 'POST') return { fn: 'post', shape: '' }
  if (/^\/api\/ai\/chat\/[^/]+\/messages$/.test(path) && method === 'POST') return { fn: 'messages', shape: '' }
  if (path === '/api/health') return { fn: 'health', shape: '' }
  if (/^\/api\/ai\/chat\/[^/]+$/.test(path) && method === 'GET') {
    const since = url.searchParams.has('since')
    const shape = !since ? 'first' : url.searchParams.has('wait') ? 'held' : 'since'
    return { fn: 'status', shape: url.searchParams.get('turns') === 'latest' ? `${shape}+latest` : shape }
  }
  return { fn: 'other', shape: '' }
}

type Bucket = StoreCounters & { count: number; ms: number; earlierResultReads: number }

function stats() {
  const buckets: Record<string, Bucket> = {}
  /** Tagged requests, by `<tag> <fn or status shape> <status>`. */
  const tagged: Record<string, Bucket> = {}
  const add = (into: Record<string, Bucket>, key: string, cost: RequestCost) => {
    const bucket = (into[key] ??= { count: 0, ms: 0, reads: 0, writes: 0, lists: 0, deletes: 0, earlierResultReads: 0 })
    bucket.count++
    bucket.ms += cost.ms
    bucket.earlierResultReads += cost.earlierResultReads
    for (const kind of KINDS) bucket[kind] += cost[kind]
  }
  for (const cost of costs) {
    // Status buckets keep their old names for the page's plain polls (`status held 200`), `+latest` apart.
    const key = cost.fn === 'status' ? `status ${cost.shape.replace('+latest', '')} ${cost.status}` : `${cost.fn} ${cost.status}`
    add(buckets, key, cost)
    if (cost.tag) add(tagged, `${cost.tag} ${cost.fn === 'status' ? `status ${cost.shape}` : cost.fn} ${cost.status}`, cost)
  }
  const cpu = process.cpuUsage(cpuAt)
  return {
    buckets,
    unattributed,
    peakRssBytes: peakRss,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: now() - windowStartedAt,
    eventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    blobCallMs: Object.fromEntries(Object.entries(blobLatency).map(([op, samples]) => [op, summarize(samples)])),
    blobCalls: blobIssued,
    blobPeakQueue,
    backgroundErrors: platform.backgroundErrors.length,
    tagged,
  }
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', origin)
  try {
    if (url.pathname === '/__bench/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats()))
      return
    }
    if (url.pathname === '/__bench/reset') {
      resetWindow()
      res.writeHead(204).end()
      return
    }
    if (url.pathname === '/__bench/settle') {
      await platform.settle()
      res.writeHead(204).end()
      return
    }
    if (url.pathname === '/__bench/env' && req.method === 'POST') {
      const changes = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, string | null>
      for (const [name, value] of Object.entries(changes)) {
        if (value === null) delete process.env[name]
        else process.env[name] = value
      }
      res.writeHead(204).end()
      return
    }
    const method = req.method ?? 'GET'
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
    }
    const tag = headers.get('x-bench-tag') ?? undefined
    const turn = headers.get('x-bench-turn')
    const cost: RequestCost = { ...classify(method, url), status: 0, ms: 0, ...zero(), earlierResultReads: 0, ...(tag ? { tag } : {}), ...(turn ? { turn: Number(turn) } : {}) }
    costs.push(cost)
    const startedAt = now()
    const response = await als.run(cost, () => platform.fetch(new Request(url, { method, headers, ...(body ? { body: new Uint8Array(body) } : {}) })))
    cost.status = response.status
    cost.ms = now() - startedAt
    await writeResponse(response, res)
  } catch (error) {
    console.error('warm-app request failed', error)
    if (!res.headersSent) res.writeHead(500)
    res.end()
  }
})
server.keepAliveTimeout = 30_000
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const platform = createPlatform({ origin })
console.log(`APP_READY ${JSON.stringify({ origin })}`)

const stop = () => {
  server.closeAllConnections()
  server.close()
  void platform.settle().finally(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
