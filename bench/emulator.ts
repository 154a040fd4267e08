/**
 * Emulator mode: `npm start` (Vite + @netlify/vite-plugin), end to end over HTTP, as a developer
 * sees the app locally. Every call runs in a fresh worker that imports its function anew, so this
 * shows start-up costs, not scale (see ../shared/netlify-facts.md).
 */
import { appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBurst, type BurstResult } from './burst.ts'
import type { ChatRun } from './client.ts'
import { runChat, visitorIp } from './client.ts'
import { hasChromium, pageMode, type PageResults } from './page.ts'
import { freePort, spawnChild, type Child } from './processes.ts'
import { now, sleep } from './stats.ts'
import { providerEnv, runBatch } from './warm.ts'
import { fetchCalls } from './fake-providers.ts'
import { analyseBatch, planChats, VARIED, type BatchFigures, type ChatPlan, type Profile } from './workload.ts'

export interface Emulator {
  origin: string
  child: Child
  stop(): Promise<void>
}

/** Starts `npm start` on a free port in its own process group and waits until /api/health answers. */
export async function startEmulator(env: Record<string, string | undefined>, progress: (line: string) => void): Promise<Emulator> {
  const port = await freePort()
  const startedAt = now()
  const logFile = join(tmpdir(), `ai-chat-bench-emulator-${process.pid}-${port}.log`)
  const { child } = await spawnChild({
    onLine: (line) => appendFileSync(logFile, `${line}\n`),
    command: 'npm',
    args: ['start'],
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', BROWSER: 'none' },
    ready: /Local:\s+(http\S+)/,
    timeoutMs: 90_000,
  })
  const origin = `http://127.0.0.1:${port}`
  try {
    for (;;) {
      const status = await fetch(`${origin}/api/health`).then((r) => (r.body?.cancel(), r.status), () => 0)
      if (status === 200) break
      if (now() - startedAt > 90_000) throw new Error(`the emulator's /api/health did not answer 200 within 90 s:\n${child.tail()}`)
      await sleep(250)
    }
    progress(`emulator: npm start ready on port ${port} after ${((now() - startedAt) / 1000).toFixed(1)} s (its output: ${logFile})`)
  } catch (error) {
    await child.stop()
    throw error
  }
  return { origin, child, stop: () => child.stop() }
}

async function timedGet(url: string): Promise<{ ms: number; status: number }> {
  const startedAt = now()
  const response = await fetch(url)
  await response.arrayBuffer()
  return { ms: now() - startedAt, status: response.status }
}

export interface EmulatorLevel {
  concurrent: number
  figures: BatchFigures
}

export interface EmulatorResults {
  /** `GET /api/health` answered alone, between the sequential chats. */
  healthMs: number[]
  levels: EmulatorLevel[]
  /** OpenAI alone (the fake answering at once): 202 → first text, i.e. the background start-up with one SDK. */
  oneProvider?: BatchFigures
  /** AI_CHAT_DEMO=1, no keys: 202 → first text. */
  demo?: BatchFigures
  /** The page in Chromium vs the HTTP client, same scripts (page.ts). */
  page?: PageResults
  /** 12 POSTs from one visitor at once with AI_CHAT_MAX_ACTIVE_PER_IP=3. */
  burst?: BurstResult
  startupMs: number[]
  errors: string[]
}

export interface EmulatorOptions {
  fakeUrl: string
  /** Chats run one after another (the 1-concurrent figures and the 202/health ratio). */
  sequentialChats: number
  /** One batch at once (0 = skip). */
  concurrentChats: number
  oneProviderChats: number
  demoChats: number
  /** Chats sent from the page in Chromium (each followed by a client chat with the same scripts); 0 skips. */
  pageChats?: number
  /** The per-client cap burst; absent skips it. */
  burst?: { posts: number; cap: number }
  progress: (line: string) => void
}

/** Every emulator chat is its own visitor except the burst's: the cap (3) would otherwise refuse a phase's own chats. */
let visitors = 0
const nextIp = () => visitorIp(visitors++, '10.77')

const seqOf = async (fakeUrl: string) => (await fetchCalls(fakeUrl)).reduce((max, call) => Math.max(max, call.seq), 0)

/** One chat end to end, so each function has been built and loaded once before anything is timed. */
async function warmUp(origin: string, plan: ChatPlan): Promise<void> {
  await timedGet(`${origin}/api/health`)
  await timedGet(`${origin}/api/ai/models`)
  const run = await runChat({ origin, label: plan.label, body: plan.body, ip: nextIp(), timeoutMs: 90_000 })
  if (run.error) throw new Error(`emulator warm-up chat failed: ${run.error}`)
}

async function sequential(origin: string, plans: ChatPlan[], healthMs: number[], timeoutMs: number): Promise<ChatRun[]> {
  const runs: ChatRun[] = []
  for (const plan of plans) {
    // The no-op baseline, measured under the same conditions as the POST that follows.
    for (let i = 0; i < 2; i++) healthMs.push((await timedGet(`${origin}/api/health`)).ms)
    runs.push(await runChat({ origin, label: plan.label, body: plan.body, ip: nextIp(), timeoutMs }))
    // Let the background worker exit before the next measurement.
    await sleep(300)
  }
  return runs
}

export async function emulatorMode(options: EmulatorOptions): Promise<EmulatorResults> {
  const { fakeUrl, progress } = options
  const results: EmulatorResults = { healthMs: [], levels: [], startupMs: [], errors: [] }
  // The cap as deployed (3): each chat below is its own visitor, the burst's are one.
  const keyed = { ...providerEnv(fakeUrl), AI_CHAT_MAX_ACTIVE_PER_IP: String(options.burst?.cap ?? 3) }

  if (options.sequentialChats + options.concurrentChats + options.oneProviderChats + (options.pageChats ?? 0) > 0 || options.burst) {
    const startedAt = now()
    const emulator = await startEmulator(keyed, progress)
    results.startupMs.push(now() - startedAt)
    try {
      progress('emulator: warming up every function (one chat end to end)')
      await warmUp(emulator.origin, planChats('emu-warmup', 1, VARIED, 3)[0]!)
      if (options.sequentialChats > 0) {
        progress(`emulator: ${options.sequentialChats} chats one at a time, /api/health timed before each`)
        const plans = planChats('emu-seq', options.sequentialChats, VARIED, 21)
        const seq = await seqOf(fakeUrl)
        const runs = await sequential(emulator.origin, plans, results.healthMs, 90_000)
        results.levels.push({ concurrent: 1, figures: analyseBatch(plans, runs, await fetchCalls(fakeUrl, seq)) })
      }
      if (options.concurrentChats > 0) {
        progress(`emulator: ${options.concurrentChats} chats at once`)
        const plans = planChats('emu-conc', options.concurrentChats, VARIED, 22)
        const seq = await seqOf(fakeUrl)
        const runs = await runBatch(emulator.origin, plans, { timeoutMs: 120_000, ipPrefix: '10.78' })
        results.levels.push({ concurrent: options.concurrentChats, figures: analyseBatch(plans, runs, await fetchCalls(fakeUrl, seq)) })
      }
      if (options.oneProviderChats > 0) {
        progress(`emulator: ${options.oneProviderChats} chats with OpenAI alone, answering at once (background start-up with one SDK)`)
        const instant: Profile = { ttfbMs: [0, 0], chunkMs: [20, 20], chunks: [10, 10] }
        const plans = planChats('emu-one', options.oneProviderChats, instant, 23, ['openai'])
        const seq = await seqOf(fakeUrl)
        const runs = await sequential(emulator.origin, plans, [], 60_000)
        results.oneProvider = analyseBatch(plans, runs, await fetchCalls(fakeUrl, seq))
      }
      if (options.pageChats) {
        if (!hasChromium()) results.errors.push('page staleness: no Chromium at /usr/bin/chromium (apt-get install -y chromium), so the page was not measured')
        else {
          progress(`emulator: ${options.pageChats} chats sent from the page in Chromium, the HTTP client following each at the same time`)
          const plans = planChats('emu-page', options.pageChats, VARIED, 24)
          const [profilePlan] = planChats('emu-page-profiled', 1, VARIED, 25)
          results.page = await pageMode({ origin: emulator.origin, fakeUrl, plans, profilePlan, ip: nextIp(), progress })
          for (const error of results.page.errors) progress(`emulator: page: ${error}`)
        }
      }
      if (options.burst) {
        const { posts, cap } = options.burst
        progress(`emulator: per-client cap, ${posts} POSTs from one visitor (X-Forwarded-For) at the same instant with AI_CHAT_MAX_ACTIVE_PER_IP=${cap}`)
        results.burst = await runBurst({ origin: emulator.origin, fakeUrl, posts, cap, ip: '198.51.100.34', label: 'emu-burst', delayMs: 3000, timeoutMs: 120_000 })
        progress(`emulator: burst: ${results.burst.accepted} of ${posts} accepted (${JSON.stringify(results.burst.statuses)}), ${results.burst.lost} lost, ${results.burst.duplicates} duplicates`)
      }
    } finally {
      await emulator.stop()
    }
  }

  if (options.demoChats > 0) {
    const demoEnv: Record<string, string | undefined> = { ...keyed, AI_CHAT_DEMO: '1' }
    for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL', 'GOOGLE_GEMINI_BASE_URL']) demoEnv[name] = undefined
    const startedAt = now()
    const emulator = await startEmulator(demoEnv, progress)
    results.startupMs.push(now() - startedAt)
    try {
      progress(`emulator (demo mode, no keys): warming up, then ${options.demoChats} chats one at a time`)
      const demoPlan = (label: string): ChatPlan => ({ label, script: {}, expected: {}, body: { message: `Benchmark demo chat ${label}: compare yourselves in one sentence.` } })
      await warmUp(emulator.origin, demoPlan('emu-demo-warmup'))
      const plans = Array.from({ length: options.demoChats }, (_, i) => demoPlan(`emu-demo#${i}`))
      const runs = await sequential(emulator.origin, plans, [], 60_000)
      results.demo = analyseBatch(plans, runs, [])
      for (const run of runs) if (run.error) results.errors.push(`demo ${run.label}: ${run.error}`)
    } finally {
      await emulator.stop()
    }
  }
  return results
}
