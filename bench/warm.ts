/**
 * Warm mode: the functions imported once and served in-process (bench/warm-app.ts, its own
 * process), a real BlobsServer (bench/blobs-server.ts, its own process), the fake providers over
 * HTTP through the AI Gateway env vars, and page-like clients in this process.
 */
import { chatPrefix, requestKey } from '../server/keys.ts'
import { appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChatRun } from './client.ts'
import { runChat, visitorIp } from './client.ts'
import { runBurst, type BurstResult } from './burst.ts'
import { runConversations, type ConversationRun } from './conversation.ts'
import { fetchCalls } from './fake-providers.ts'
import { spawnNode, type Child } from './processes.ts'
import { now, seeded, sleep } from './stats.ts'
import { analyseBatch, LLM_LIKE, planChats, SHORT, VARIED, type BatchFigures, type ChatPlan, type Profile } from './workload.ts'

/** The AI Gateway variables, pointed at the fake providers, with fake keys. */
export function providerEnv(fakeUrl: string): Record<string, string | undefined> {
  return {
    OPENAI_API_KEY: 'sk-bench-openai-key',
    OPENAI_BASE_URL: `${fakeUrl}/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-bench-anthropic-key',
    ANTHROPIC_BASE_URL: fakeUrl,
    GEMINI_API_KEY: 'bench-gemini-key',
    GOOGLE_API_KEY: undefined,
    GOOGLE_GEMINI_BASE_URL: fakeUrl,
    AI_CHAT_DEMO: undefined,
    AI_CHAT_MODE: undefined,
    AI_CHAT_ACCESS_TOKEN: undefined,
    AI_CHAT_SECRET: undefined,
    // Per-client cap raised: every simulated page is its own visitor, but a what-if run may reuse one.
    AI_CHAT_MAX_ACTIVE_PER_IP: '1000',
  }
}

export interface CostBucket {
  count: number
  ms: number
  reads: number
  writes: number
  lists: number
  deletes: number
  /** Reads of result blobs of turns before the caller's latest (tagged requests only). */
  earlierResultReads?: number
}

export interface AppStats {
  buckets: Record<string, CostBucket>
  unattributed: Omit<CostBucket, 'count' | 'ms'>
  peakRssBytes: number
  maxRssBytes: number
  cpuMs: number
  wallMs: number
  eventLoopDelayMs: { p50: number; p99: number; max: number }
  blobCallMs: Record<string, { n: number; p50: number; p95: number; p99: number; max: number }>
  /** Blob calls issued in the window, by operation (answered or not). */
  blobCalls: Record<string, number>
  /** Most blob calls waiting for one of the 4096 slots at once. */
  blobPeakQueue: number
  backgroundErrors: number
  /** Requests sent with `x-bench-tag`, by `<tag> <fn or status shape> <status>`. */
  tagged: Record<string, CostBucket>
}

export interface WarmStack {
  origin: string
  stats(): Promise<AppStats>
  reset(): Promise<void>
  settle(): Promise<void>
  /** Warning and error log lines the functions printed since the last reset. */
  logs: { warn: number; error: number; examples: string[] }
  /** NETLIFY_BLOBS_CONTEXT of this stack's blob server. */
  blobsContext: string
  /** Changes the functions' environment (null unsets); settings are read per call. */
  setEnv(changes: Record<string, string | null>): Promise<void>
  /** Stops the functions only (the blob server stays up, e.g. for `probeStore`). */
  stopApp(): Promise<void>
  stop(): Promise<void>
}

let stacks = 0

/** A fresh blob store and a fresh functions process (so each figure starts from an empty store and a new peak RSS). */
export async function startWarmStack(fakeUrl: string, env: Record<string, string | undefined> = {}): Promise<WarmStack> {
  const children: Child[] = []
  const logs = { warn: 0, error: 0, examples: [] as string[] }
  // Everything the functions print, for post-mortems (the table only counts warnings and errors).
  const logFile = join(tmpdir(), `ai-chat-bench-warm-app-${process.pid}-${++stacks}.log`)
  try {
    const blobs = await spawnNode('./blobs-server.ts', { ready: /^BLOBS_READY (.*)$/ })
    children.push(blobs.child)
    const { context } = JSON.parse(blobs.match[1]!) as { context: string }
    const app = await spawnNode('./warm-app.ts', {
      env: { ...providerEnv(fakeUrl), ...env, NETLIFY_BLOBS_CONTEXT: context },
      ready: /^APP_READY (.*)$/,
      onLine: (line) => {
        appendFileSync(logFile, `${line}\n`)
        const level = /"level":"(warn|error)"/.exec(line)?.[1] as 'warn' | 'error' | undefined
        if (!level && !/warm-app request failed|Error/.test(line)) return
        logs[level ?? 'error']++
        if (logs.examples.length < 5) logs.examples.push(line.slice(0, 400))
      },
    })
    children.push(app.child)
    const { origin } = JSON.parse(app.match[1]!) as { origin: string }
    const control = async (path: string, method = 'POST', body?: unknown) => {
      try {
        return await fetch(`${origin}/__bench/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      } catch (error) {
        throw new Error(`warm-app /__bench/${path} failed (${(error as Error).message}; process exit ${app.child.process.exitCode ?? app.child.process.signalCode ?? 'none'}); its output is in ${logFile}`, { cause: error })
      }
    }
    return {
      origin,
      logs,
      stats: async () => (await (await control('stats', 'GET')).json()) as AppStats,
      reset: async () => {
        await control('reset')
        Object.assign(logs, { warn: 0, error: 0, examples: [] })
      },
      settle: async () => void (await control('settle')),
      setEnv: async (changes) => void (await control('env', 'POST', changes)),
      blobsContext: context,
      stopApp: () => app.child.stop(),
      stop: async () => void (await Promise.all(children.reverse().map((child) => child.stop()))),
    }
  } catch (error) {
    await Promise.all(children.map((child) => child.stop()))
    throw error
  }
}

export interface BatchOptions {
  /** Chats per second, as a Poisson process; all at once when absent. */
  ratePerSecond?: number
  timeoutMs?: number
  seed?: number
  /** Each chat is its own visitor (distinct client IP), as many people using the site would be: `<ipPrefix>.<i>` (two octets), default 10.<i> (three). */
  ipPrefix?: string
}


/** Runs planned chats through page-like clients: all at once, or arriving at random at a mean rate. */
export async function runBatch(origin: string, plans: readonly ChatPlan[], options: BatchOptions = {}): Promise<ChatRun[]> {
  const rand = seeded(options.seed ?? 7)
  const started: Promise<ChatRun>[] = []
  for (const [i, plan] of plans.entries()) {
    if (options.ratePerSecond && i > 0) await sleep((-Math.log(1 - rand()) / options.ratePerSecond) * 1000)
    started.push(
      runChat({
        origin,
        label: plan.label,
        body: plan.body,
        ip: visitorIp(i, options.ipPrefix),
        timeoutMs: options.timeoutMs ?? 120_000,
      }),
    )
  }
  return Promise.all(started)
}

export interface BatchResult {
  figures: BatchFigures
  app: AppStats
  logs: WarmStack['logs']
}

/** Warms the functions (one chat end to end), then runs the plans in a fresh measurement window. */
async function measure(stack: WarmStack, fakeUrl: string, plans: ChatPlan[], options: BatchOptions & { settleMs?: number; warmupProfile?: Profile; warm?: boolean }): Promise<BatchResult> {
  if (!options.warm) {
    const warmup = planChats(`warmup-${plans[0]!.label.split('#')[0]}`, 1, options.warmupProfile ?? VARIED, 99)
    await runBatch(stack.origin, warmup, { timeoutMs: 30_000 })
  }
  await stack.settle()
  await stack.reset()
  const seq = (await fetchCalls(fakeUrl)).reduce((max, call) => Math.max(max, call.seq), 0)
  const runs = await runBatch(stack.origin, plans, options)
  // Runs still going after the clients gave up are not waited for long (an overloaded store can take minutes).
  await Promise.race([stack.settle(), sleep(options.settleMs ?? 30_000)])
  const [app, calls] = await Promise.all([stack.stats(), fetchCalls(fakeUrl, seq)])
  return { figures: analyseBatch(plans, runs, calls), app, logs: structuredClone(stack.logs) }
}

export interface StoreCapacity {
  /** Chats in the store when probed. */
  chats: number
  listsPerSecond: number
  readsPerSecond: number
  writesPerSecond: number
}

export interface ScaleLevel extends BatchResult {
  concurrent: number
  chatsPerSecond: number
  /** What the local blob server serves at most, with this level's chats in it (largest level only). */
  storeCapacity?: StoreCapacity
}

/**
 * The local BlobsServer's throughput with `chats` chats stored (a fresh server in its own process,
 * filled with one blob per chat under chats/<id>/): 64 concurrent callers per operation for 1 s each.
 */
export async function probeStore(chats: number): Promise<StoreCapacity> {
  const { getStore } = await import('@netlify/blobs')
  const { ChatStore, STORE_NAME } = await import('../server/store.ts')
  const blobs = await spawnNode('./blobs-server.ts', { ready: /^BLOBS_READY (.*)$/ })
  try {
    const { context: encoded } = JSON.parse(blobs.match[1]!) as { context: string }
    const context = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { siteID: string; token: string; edgeURL: string; uncachedEdgeURL?: string }
    const store = new ChatStore(getStore({ name: STORE_NAME, consistency: 'strong', siteID: context.siteID, token: context.token, edgeURL: context.edgeURL, uncachedEdgeURL: context.uncachedEdgeURL ?? context.edgeURL }))
    const parallel = async (operation: (i: number) => Promise<unknown>, until: () => boolean) => {
      let count = 0
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (!until()) await operation(count++)
      }))
      return count
    }
    let filled = 0
    await parallel((i) => store.setJSON(requestKey(crypto.randomUUID()), { i }), () => filled++ >= chats)
    const rate = async (operation: (i: number) => Promise<unknown>) => {
      const until = now() + 1000
      return parallel(operation, () => now() >= until)
    }
    const probeId = crypto.randomUUID()
    return {
      chats,
      listsPerSecond: await rate(() => store.list(chatPrefix(probeId))),
      writesPerSecond: await rate((i) => store.setJSON(`bench-probe/${i % 500}`, { i })),
      readsPerSecond: await rate((i) => store.getJSON(`bench-probe/${i % 500}`)),
    }
  } finally {
    await blobs.child.stop()
  }
}

export interface IdleCost {
  /** Held long polls (`since` + `wait=<WAIT_MS>`) that found nothing new: 304 after about a second. */
  held304: CostBucket | null
  /** Immediate polls (`since`, no wait) that found nothing new. */
  immediate304: CostBucket | null
}

/** A finished chat polled again and again on a warm instance, by request shape (`first`, `first+latest`, `since+latest`, `held+latest`). */
export type FinishedPolls = Record<string, CostBucket>

export interface ConversationResults extends ConversationRun {
  /** Blob operations of the conversations' requests, by `conv-t<n> <fn or status shape> <status>`. */
  costs: Record<string, CostBucket>
  /** The finished 10-turn chat (and a finished 1-turn chat), polled in each shape. */
  finished: { turns: number; polls: FinishedPolls }[]
}

export interface WarmResults {
  /** 12 POSTs from one visitor at the same instant with AI_CHAT_MAX_ACTIVE_PER_IP=3. */
  burst?: BurstResult
  conversations?: ConversationResults
  latency?: BatchResult & { ratePerSecond: number }
  /** Chats with answers as long as real models give (the request-rate target is read here). */
  realistic?: BatchResult & { ratePerSecond: number }
  idle?: IdleCost
  scale: ScaleLevel[]
}

export interface WarmOptions {
  fakeUrl: string
  latencyChats: number
  latencyRate: number
  /** Chats with LLM-like answer lengths, arriving at 2/s (0 skips the batch). */
  realisticChats?: number
  levels: number[]
  /** A scale-level chat not final this long after its POST counts as lost ("not final in time"). */
  levelTimeoutMs: number
  /** Measure the cost of polls that find nothing new. */
  idleProbe: boolean
  /** The per-client cap burst: `posts` POSTs from one IP with the cap at `cap`. */
  burst?: { posts: number; cap: number }
  /** `count` conversations of `turns` turns at once, short answers; `finishedPolls`: then poll a finished one in every shape. */
  conversations?: { count: number; turns: number; finishedPolls: boolean }
  /** Answers of the scale levels (default VARIED). */
  levelProfile?: Profile
  /** Smoke: this many SHORT chats at once in the first (already warm) stack, reported like a scale level. */
  smokeBatch?: number
  progress: (line: string) => void
  /** Extra env for the functions (what-if experiments). */
  env?: Record<string, string | undefined>
}

/** Polls that find nothing new: a chat whose providers take 7 s to answer (longer than two held polls), polled like the page; then plain re-reads of a finished chat. */
async function idleProbe(stack: WarmStack): Promise<IdleCost> {
  const slow: Profile = { ttfbMs: [7000, 7000], chunkMs: [20, 20], chunks: [5, 5] }
  const [plan] = planChats('idle', 1, slow, 5)
  await stack.reset()
  const [run] = await runBatch(stack.origin, [plan!], { timeoutMs: 30_000 })
  await stack.settle()
  const response = await fetch(`${stack.origin}/api/ai/chat/${run!.chatId}`)
  const { version } = (await response.json()) as { version: string }
  for (let i = 0; i < 20; i++) {
    const again = await fetch(`${stack.origin}/api/ai/chat/${run!.chatId}?since=${encodeURIComponent(version)}`)
    await again.body?.cancel()
  }
  const { buckets } = await stack.stats()
  return { held304: buckets['status held 304'] ?? null, immediate304: buckets['status since 304'] ?? null }
}

/** Polls a finished chat 10 times in each shape the page or a script would, tagged so its blob operations are counted apart. */
async function pollFinished(origin: string, chatId: string, turns: number): Promise<void> {
  const headers = { 'x-bench-tag': `finished-${turns}`, 'x-bench-turn': String(turns) }
  const get = async (query: string) => {
    const response = await fetch(`${origin}/api/ai/chat/${chatId}${query}`, { headers })
    if (response.status === 200) return (await response.json()) as { version: string }
    await response.body?.cancel()
    return null
  }
  const doc = await get('')
  if (!doc) throw new Error(`the finished chat ${chatId} could not be read`)
  const since = encodeURIComponent(doc.version)
  for (const query of ['', '?turns=latest', `?since=${since}&turns=latest`, `?since=${since}&wait=2000&turns=latest`]) {
    for (let i = 0; i < 10; i++) await get(query)
  }
}

/** Strips the tag from tagged buckets: `finished-10 status first 200` → `first 200`. */
function bucketsOf(tagged: Record<string, CostBucket>, tag: string): FinishedPolls {
  return Object.fromEntries(Object.entries(tagged).filter(([key]) => key.startsWith(`${tag} `)).map(([key, bucket]) => [key.slice(tag.length + 1).replace(/^status /, ''), bucket]))
}

async function conversationsPhase(stack: WarmStack, fakeUrl: string, count: number, turns: number, polls: boolean): Promise<ConversationResults> {
  await stack.settle()
  await stack.reset()
  const run = await runConversations({ origin: stack.origin, fakeUrl, count, turns, profile: SHORT, seed: 200, label: 'warm-conv', ipPrefix: '10.200', tag: 'conv', timeoutMs: 60_000 })
  await stack.settle()
  const finished: ConversationResults['finished'] = []
  const longest = polls ? run.chatIds.find((id, c) => id && run.completedTurns[c] === turns) : undefined
  if (longest) {
    await pollFinished(stack.origin, longest, turns)
    // A finished one-turn chat, polled the same way: what the turns before the latest add.
    const [single] = await runBatch(stack.origin, planChats('warm-conv-single', 1, SHORT, 299), { ipPrefix: '10.201', timeoutMs: 30_000 })
    await stack.settle()
    if (single?.chatId) await pollFinished(stack.origin, single.chatId, 1)
  }
  const { tagged } = await stack.stats()
  if (longest) finished.push({ turns, polls: bucketsOf(tagged, `finished-${turns}`) })
  if (tagged[`finished-1 status first 200`]) finished.push({ turns: 1, polls: bucketsOf(tagged, 'finished-1') })
  const costs = Object.fromEntries(Object.entries(tagged).filter(([key]) => key.startsWith('conv-')))
  return { ...run, costs, finished }
}

export async function warmMode(options: WarmOptions): Promise<WarmResults> {
  const results: WarmResults = { scale: [] }
  const { fakeUrl, progress } = options

  if (options.latencyChats > 0 || options.idleProbe || options.realisticChats || options.burst || options.conversations || options.smokeBatch) {
    const stack = await startWarmStack(fakeUrl, options.env)
    try {
      if (options.latencyChats > 0) {
        progress(`warm: latency run, ${options.latencyChats} chats arriving at ${options.latencyRate}/s (varied providers: first byte 150-1500 ms, 10-60 chunks every 15-60 ms)`)
        const plans = planChats('warm-latency', options.latencyChats, VARIED, 11)
        const result = await measure(stack, fakeUrl, plans, { ratePerSecond: options.latencyRate, timeoutMs: 60_000 })
        results.latency = { ...result, ratePerSecond: options.latencyRate }
        progress(`warm: latency run done: ${result.figures.lost} lost, ${result.figures.duplicates} duplicates`)
      }
      if (options.realisticChats) {
        progress(`warm: ${options.realisticChats} chats with LLM-like answers (first byte 0.3-2 s, 70-200 chunks every 20-60 ms), arriving at 2/s`)
        const plans = planChats('warm-llm', options.realisticChats, LLM_LIKE, 12)
        const result = await measure(stack, fakeUrl, plans, { ratePerSecond: 2, timeoutMs: 60_000 })
        results.realistic = { ...result, ratePerSecond: 2 }
        progress(`warm: LLM-like run done: ${result.figures.lost} lost, ${result.figures.duplicates} duplicates`)
      }
      if (options.idleProbe) {
        progress('warm: cost of polls that find nothing new')
        results.idle = await idleProbe(stack)
      }
      if (options.burst) {
        const { posts, cap } = options.burst
        progress(`warm: per-client cap, ${posts} POSTs from one visitor at the same instant with AI_CHAT_MAX_ACTIVE_PER_IP=${cap}`)
        await stack.setEnv({ AI_CHAT_MAX_ACTIVE_PER_IP: String(cap) })
        try {
          results.burst = await runBurst({ origin: stack.origin, fakeUrl, posts, cap, ip: '198.51.100.12', label: 'warm-burst', delayMs: 2000, timeoutMs: 30_000 })
        } finally {
          await stack.setEnv({ AI_CHAT_MAX_ACTIVE_PER_IP: providerEnv(fakeUrl).AI_CHAT_MAX_ACTIVE_PER_IP! })
        }
        progress(`warm: burst: ${results.burst.accepted} of ${posts} accepted (${JSON.stringify(results.burst.statuses)}), ${results.burst.lost} lost, ${results.burst.duplicates} duplicates`)
      }
      if (options.conversations) {
        const { count, turns, finishedPolls } = options.conversations
        progress(`warm: ${count} conversation${count === 1 ? '' : 's'} of ${turns} turns at once (short answers)${finishedPolls ? `, then a finished ${turns}-turn chat polled in every shape` : ''}`)
        results.conversations = await conversationsPhase(stack, fakeUrl, count, turns, finishedPolls)
        const lost = results.conversations.perTurn.reduce((sum, turn) => sum + turn.figures.lost, 0)
        progress(`warm: conversations done: ${lost} lost, ${results.conversations.perTurn.reduce((sum, turn) => sum + turn.figures.duplicates, 0)} duplicates`)
      }
      if (options.smokeBatch) {
        const level = options.smokeBatch
        progress(`warm: ${level} chats at once (short answers)`)
        const startedAt = now()
        const result = await measure(stack, fakeUrl, planChats(`warm-smoke-${level}`, level, SHORT, 100 + level), { timeoutMs: options.levelTimeoutMs, settleMs: 3000, warm: true })
        const wallMs = Number.isFinite(result.figures.wallMs) ? result.figures.wallMs : now() - startedAt
        results.scale.push({ ...result, concurrent: level, chatsPerSecond: result.figures.finalChats / (wallMs / 1000) })
        progress(`warm: ${level} at once: ${result.figures.lost} lost, ${result.figures.duplicates} duplicates`)
      }
    } finally {
      await stack.stop()
    }
  }

  for (const level of options.levels) {
    progress(`warm: scale, ${level} concurrent chat${level === 1 ? '' : 's'} x 3 providers (fresh blob store and functions process)`)
    const stack = await startWarmStack(fakeUrl, options.env)
    try {
      const plans = planChats(`warm-scale-${level}`, level, options.levelProfile ?? VARIED, 100 + level)
      const startedAt = now()
      const result = await measure(stack, fakeUrl, plans, { timeoutMs: options.levelTimeoutMs, settleMs: 3000, warmupProfile: options.levelProfile ?? VARIED })
      const wallMs = Number.isFinite(result.figures.wallMs) ? result.figures.wallMs : now() - startedAt
      const entry: ScaleLevel = { ...result, concurrent: level, chatsPerSecond: result.figures.finalChats / (wallMs / 1000) }
      results.scale.push(entry)
      progress(
        `warm: ${level} concurrent: ${entry.chatsPerSecond.toFixed(1)} chats/s, ${result.figures.lost} lost, ${result.figures.duplicates} duplicates, peak RSS ${(result.app.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${(wallMs / 1000).toFixed(1)} s`,
      )
    } finally {
      await stack.stop()
    }
    if (level === Math.max(...options.levels) && level >= 50) {
      progress(`warm: the local blob server's throughput with ${level} chats stored (fresh server)`)
      results.scale.at(-1)!.storeCapacity = await probeStore(level)
    }
  }
  return results
}
