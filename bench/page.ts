/**
 * The page's own staleness in a real browser: Debian's Chromium (playwright-core, never a download)
 * opens the page on `npm start` (real mode, the providers are the benchmark's fake), types a
 * benchmark prompt and sends it as a person would. For each answer: when the page's DOM first showed
 * it `done` with its full text, minus the fake provider's last byte. The benchmark's HTTP client
 * (client.ts, the page's own loop outside a browser) follows the same chat from the moment the page
 * shows its permalink, so every answer is seen by both, from the same emulator at the same time; a
 * second client does the same, so the spread between two identical pollers is known too.
 *
 * What the page does meanwhile is stamped by an init script (no change to the page): every status
 * request (sent, response headers, `response.json()` resolved), and every DOM change of an answer card
 * (MutationObserver: its status, its text, then the next animation frame). So one update reads as a
 * timeline: provider's last byte → response at the page → JSON parsed → DOM updated → frame.
 *
 * Clocks: the page stamps `performance.timeOrigin + performance.now()`; its offset from this process's
 * clock is measured after each navigation (the round trip with the smallest delay, of 15).
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { followChat, visitorHeaders, type ChatRun } from './client.ts'
import { fetchCalls, type FakeCallRecord } from './fake-providers.ts'
import { now, summarize, type Summary } from './stats.ts'
import { analyseBatch, type BatchFigures, type ChatPlan } from './workload.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** What the init script records, in the page's clock. */
interface PageLog {
  requests: Array<{ url: string; sentAt: number; headersAt?: number; jsonAt?: number; status?: number; bytes?: number }>
  /** `receive(doc)` of web/src/chat-session.ts entered (`start`) and its batch of signal writes ended (`end`: `onDocument` called). */
  receives: Array<{ at: number; phase: 'start' | 'end'; version: string }>
  cards: Record<string, { firstTextAt?: number; fullTextAt?: number; doneAt?: number; doneFrameAt?: number; doneLength?: number }>
  /** Answers seen as plain text (`.md.plain`: the Markdown renderer not loaded yet). */
  plainSightings: number
  /** When the MutationObserver saw an answer's text or status change (each callback). */
  mutations: number[]
  /** Resource timings of the lazy modules, relative to navigation start (filled at the end). */
  modules?: Array<{ name: string; startMs: number; endMs: number }>
}

/** Runs in the page before its own scripts. */
function instrument() {
  const stamp = () => performance.timeOrigin + performance.now()
  const log: PageLog & { expected: Record<string, string> } = { requests: [], receives: [], cards: {}, plainSightings: 0, mutations: [], expected: {} }
  ;(window as unknown as { __bench: typeof log }).__bench = log
  ;(globalThis as unknown as { __benchReceive: (doc: { version: string }, phase: 'start' | 'end') => void }).__benchReceive = (doc, phase) => {
    log.receives.push({ at: stamp(), phase, version: doc.version })
    if (phase === 'end') console.timeStamp('bench:signals')
  }
  const normalize = (text: string) => text.replace(/\s+/g, ' ').trim()
  const isStatus = (url: string) => /\/api\/ai\/chat\/[0-9a-f-]{36}(\?|$)/.test(url)
  // Vite's dev server serves every module on its own: keep them all in the resource timeline.
  performance.setResourceTimingBufferSize(100_000)
  const pending = new WeakMap<Response, PageLog['requests'][number]>()
  const realFetch = window.fetch.bind(window)
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input)
    if (!isStatus(url)) return realFetch(input, init)
    const entry: PageLog['requests'][number] = { url, sentAt: stamp() }
    log.requests.push(entry)
    const response = await realFetch(input, init)
    entry.headersAt = stamp()
    // Marks in a Chrome trace (when one is recorded), so one update can be found in it.
    console.timeStamp('bench:response')
    entry.status = response.status
    pending.set(response, entry)
    return response
  }
  const realJson = Response.prototype.json
  Response.prototype.json = async function json(this: Response) {
    const value = await realJson.call(this)
    const entry = pending.get(this)
    if (entry) {
      entry.jsonAt = stamp()
      console.timeStamp('bench:json')
      entry.bytes = JSON.stringify(value).length
    }
    return value
  }
  const look = (records: MutationRecord[]) => {
    const at = stamp()
    // An answer's text or status changed (not the card's ticking "elapsed" clock).
    const answerChanged = (record: MutationRecord) => {
      const element = record.target instanceof Element ? record.target : record.target.parentElement
      return !!element?.closest('.card .md') || (record.type === 'attributes' && record.attributeName === 'data-status')
    }
    if (log.mutations.length < 20_000 && records.some(answerChanged)) log.mutations.push(at)
    if (document.querySelector('.card .md.plain')) log.plainSightings++
    for (const card of document.querySelectorAll<HTMLElement>('.card[data-participant]')) {
      const id = card.dataset.participant!
      const expected = log.expected[id]
      const seen = (log.cards[id] ??= {})
      const text = normalize(card.querySelector('.md')?.textContent ?? '')
      if (text && seen.firstTextAt === undefined) {
        seen.firstTextAt = at
        // Marks the moment in a Chrome trace, when one is recorded.
        if (Object.values(log.cards).filter((card) => card.firstTextAt !== undefined).length === 1) console.timeStamp('bench:first-text')
      }
      const full = expected !== undefined && text.includes(expected)
      if (full && seen.fullTextAt === undefined) seen.fullTextAt = at
      if (full && card.dataset.status === 'done' && seen.doneAt === undefined) {
        seen.doneAt = at
        console.timeStamp(`bench:done:${id}`)
        seen.doneLength = text.length
        requestAnimationFrame(() => (seen.doneFrameAt = stamp()))
      }
    }
  }
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true, attributes: true })
}

/**
 * Instruments the page's chat session as Vite serves it (web/src is not touched): `receive(doc)`
 * reports when it starts and when its batch of signal writes has ended (it then calls `onDocument`).
 * False when the served code no longer has those shapes.
 */
async function instrumentSession(context: import('playwright-core').BrowserContext): Promise<{ patched: boolean }> {
  const state = { patched: false }
  await context.route(/\/src\/chat-session\.ts(\?.*)?$/, async (route) => {
    const response = await route.fetch()
    const source = await response.text()
    const patched = source
      .replace(/function receive\((\w+)\)\s*\{/, (match, doc: string) => `${match} globalThis.__benchReceive?.(${doc}, 'start');`)
      .replace(/options\.onDocument\?\.\((\w+)\)/, (match, doc: string) => `(globalThis.__benchReceive?.(${doc}, 'end'), ${match})`)
    state.patched = patched.includes("'start')") && patched.includes("'end')")
    await route.fulfill({ response, body: patched })
  })
  return state
}

const LAZY_MODULES = /chat-session|markdown-renderer|marked|dompurify|setup-panel/

async function clockOffset(page: Page): Promise<number> {
  let best = { rtt: Infinity, offset: 0 }
  for (let i = 0; i < 15; i++) {
    const sent = now()
    const pageNow = await page.evaluate(() => performance.timeOrigin + performance.now())
    const back = now()
    if (back - sent < best.rtt) best = { rtt: back - sent, offset: pageNow - (sent + back) / 2 }
  }
  return best.offset
}

/** One answer's update as the page lived it, in this process's clock relative to the provider's last byte. */
export interface AnswerTimeline {
  label: string
  participant: string
  /** The held status request that carried the final state: sent, headers in, JSON parsed. */
  requestSentMs: number
  responseMs: number
  jsonMs: number
  /** `receive()` entered, and its signal writes done (NaN when the session could not be instrumented). */
  receiveMs: number
  signalsMs: number
  /** The DOM showed the answer done with its full text. */
  domMs: number
  /** The next animation frame after that. */
  frameMs: number
  /** Bytes of that status document (JSON). */
  bytes: number
}

export interface PageResults {
  /** The page: DOM shows `done` with the full text, minus the provider's last byte, per answer. */
  page: BatchFigures
  pageFinalMs: number[]
  /** The HTTP client following the same chats at the same time. */
  client: BatchFigures
  /** Per answer: page shows it done − the client saw it final (same chat, same answer). */
  gapMs: number[]
  /** Per answer: a second HTTP client on the same chat − the first (two identical pollers). */
  controlGapMs: number[]
  /** Per answer: the page's carrying response arrived − the client's did. */
  arrivalGapMs: number[]
  timelines: AnswerTimeline[]
  /** Full text in the DOM (whatever the status) minus the last byte. */
  pageFullTextMs: number[]
  /** Lazy modules (chat session, Markdown renderer and its libraries) loaded, ms after navigation start, per chat. */
  modules: Array<Array<{ name: string; startMs: number; endMs: number }>>
  /** DOM updates that showed an answer as plain text (the Markdown renderer not loaded yet), per chat. */
  plainSightings: number[]
  /** Whether `receive()` could be stamped (see instrumentSession). */
  sessionInstrumented: boolean
  /** Status requests the page sent per chat. */
  pageRequests: number[]
  /** Every document the page took in (streaming updates included): its signal writes done → the next change of an answer card, ms. */
  anyUpdateRenderMs: number[]
  /** One more chat (not in the figures above), with V8's CPU profiler on: where the page's time went. */
  profile?: PageProfile | { error: string }
  /** The same chat's Chrome trace of the renderer main thread. */
  trace?: MainThreadTrace | { error: string }
  /** The streamed-update render figure of web/src/testing/render-bench.tsx run in this browser. */
  browserRender?: { medianMs: number; maxMs: number } | { error: string }
  clockRttMs?: number
  errors: string[]
}

export const hasChromium = () => existsSync(CHROMIUM)

/** The renderer main thread's work during one chat, from a Chrome trace (devtools.timeline): self time by event. */
export interface MainThreadTrace {
  /** Busy time (top-level tasks) and wall time of the traced window, ms. */
  busyMs: number
  wallMs: number
  /** Before the first answer text showed (placeholders on screen) and after, each: busy ms and wall ms. */
  beforeFirstText: { busyMs: number; wallMs: number }
  afterFirstText: { busyMs: number; wallMs: number }
  /** Self time by trace event name (Paint, Layout, FunctionCall, …), ms, largest first. */
  bySelf: Array<{ name: string; ms: number }>
  /** Tasks longer than 50 ms. */
  longTasks: number
  /**
   * Each answer's final update: its carrying response's arrival → JSON parsed → signals set → DOM
   * showed it done (ms after the arrival), and what the main thread did between arrival and done
   * (self time by event, and how much of that stretch it was busy).
   */
  updates: Array<{
    participant: string
    jsonMs: number
    signalsMs: number
    doneMs: number
    busyMs: number
    top: Array<{ name: string; ms: number }>
    /** The JS functions sampled by V8's profiler in that stretch (self time), when a profile was recorded. */
    functions?: Array<{ fn: string; script: string; ms: number }>
    /** Trace clock (µs) of the response's arrival and of the DOM showing it done. */
    fromTs: number
    toTs: number
  }>
}

interface TraceEvent {
  name: string
  ph: string
  ts: number
  dur?: number
  pid: number
  tid: number
  args?: { name?: string; data?: { message?: string } }
}

function summarizeTrace(events: TraceEvent[]): MainThreadTrace | { error: string } {
  const mains = events.filter((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain')
  const tasksOf = (pid: number, tid: number) => events.filter((event) => event.pid === pid && event.tid === tid && event.ph === 'X' && event.name === 'RunTask')
  const main = mains.map((m) => ({ pid: m.pid, tid: m.tid, busy: tasksOf(m.pid, m.tid).reduce((sum, event) => sum + (event.dur ?? 0), 0) })).sort((a, b) => b.busy - a.busy)[0]
  if (!main) return { error: 'no renderer main thread in the trace' }
  const mine = events.filter((event) => event.pid === main.pid && event.tid === main.tid && event.ph === 'X' && event.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!)
  const marks = events.filter((event) => event.pid === main.pid && event.name === 'TimeStamp')
  const firstText = marks.find((event) => event.args?.data?.message === 'bench:first-text')?.ts
  // Self time: each event's duration minus its direct children's.
  const self = new Map<string, number>()
  const stack: Array<{ event: TraceEvent; end: number; childUs: number }> = []
  const close = (until: number) => {
    while (stack.length && stack.at(-1)!.end <= until) {
      const done = stack.pop()!
      self.set(done.event.name, (self.get(done.event.name) ?? 0) + Math.max(0, done.event.dur! - done.childUs) / 1000)
      if (stack.length) stack.at(-1)!.childUs += done.event.dur!
    }
  }
  for (const event of mine) {
    close(event.ts)
    stack.push({ event, end: event.ts + event.dur!, childUs: 0 })
  }
  close(Infinity)
  const tasks = mine.filter((event) => event.name === 'RunTask')
  const start = mine[0]?.ts ?? 0
  const end = mine.reduce((max, event) => Math.max(max, event.ts + event.dur!), start)
  const busyIn = (from: number, to: number) => tasks.reduce((sum, event) => sum + Math.max(0, Math.min(to, event.ts + event.dur!) - Math.max(from, event.ts)), 0) / 1000
  const split = firstText ?? end
  const markAt = (name: string) => marks.filter((event) => event.args?.data?.message === name).map((event) => event.ts)
  const responses = markAt('bench:response')
  const jsons = markAt('bench:json')
  const signals = markAt('bench:signals')
  const updates: MainThreadTrace['updates'] = []
  for (const mark of marks) {
    const message = mark.args?.data?.message ?? ''
    if (!message.startsWith('bench:done:')) continue
    const arrival = responses.filter((ts) => ts <= mark.ts).at(-1)
    if (arrival === undefined) continue
    const within = new Map<string, number>()
    for (const event of mine) {
      if (event.name === 'RunTask') continue
      const overlap = Math.min(mark.ts, event.ts + event.dur!) - Math.max(arrival, event.ts)
      if (overlap > 0) within.set(event.name, (within.get(event.name) ?? 0) + overlap / 1000)
    }
    const after = (list: number[]) => list.find((ts) => ts >= arrival && ts <= mark.ts)
    updates.push({
      fromTs: arrival,
      toTs: mark.ts,
      participant: message.slice('bench:done:'.length),
      jsonMs: ((after(jsons) ?? NaN) - arrival) / 1000,
      signalsMs: ((after(signals) ?? NaN) - arrival) / 1000,
      doneMs: (mark.ts - arrival) / 1000,
      busyMs: busyIn(arrival, mark.ts),
      // Nested events overlap their parents: the largest are the outer ones (a task's FunctionCall, Paint…).
      top: [...within].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms).slice(0, 6),
    })
  }
  return {
    busyMs: busyIn(start, end),
    wallMs: (end - start) / 1000,
    beforeFirstText: { busyMs: busyIn(start, split), wallMs: (split - start) / 1000 },
    afterFirstText: { busyMs: busyIn(split, end), wallMs: (end - split) / 1000 },
    bySelf: [...self].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms).slice(0, 12),
    longTasks: tasks.filter((event) => event.dur! > 50_000).length,
    updates,
  }
}

/** Where the page's main thread spent its time during one chat (V8's sampling profiler, 100 µs). */
export interface PageProfile {
  /** Status documents the page took in during the profile. */
  documents: number
  /** Self time by script (file name), ms, largest first; `(garbage collector)` and `(program)` included, idle not. */
  byScript: Array<{ script: string; ms: number }>
  /** The functions with most self time. */
  topFunctions: Array<{ fn: string; script: string; ms: number }>
  totalMs: number
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

const scriptOf = (url: string, fallback: string) => (url ? (new URL(url, 'http://x').pathname.split('/').at(-1) ?? url) : fallback || '(anonymous)')

/** Self time by function of the profile's samples between two trace timestamps (µs, the same clock). */
function functionsBetween(profile: CpuProfile, fromTs: number, toTs: number): Array<{ fn: string; script: string; ms: number }> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const functions = new Map<string, { fn: string; script: string; ms: number }>()
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at < fromTs || at > toTs) return
    const { functionName, url } = byId.get(id)!.callFrame
    if (functionName === '(idle)') return
    const fn = functionName || '(anonymous)'
    const script = scriptOf(url, functionName)
    const entry = functions.get(`${fn} ${script}`) ?? { fn, script, ms: 0 }
    entry.ms += (profile.timeDeltas[i + 1] ?? delta) / 1000
    functions.set(`${fn} ${script}`, entry)
  })
  return [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, 6)
}

function summarizeProfile(profile: CpuProfile, documents: number): PageProfile {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000))
  const scripts = new Map<string, number>()
  const functions = new Map<string, { fn: string; script: string; ms: number }>()
  let totalMs = 0
  for (const [id, ms] of self) {
    const { functionName, url } = byId.get(id)!.callFrame
    if (functionName === '(idle)') continue
    totalMs += ms
    const script = scriptOf(url, functionName)
    scripts.set(script, (scripts.get(script) ?? 0) + ms)
    const key = `${functionName || '(anonymous)'} ${script}`
    const entry = functions.get(key) ?? { fn: functionName || '(anonymous)', script, ms: 0 }
    entry.ms += ms
    functions.set(key, entry)
  }
  return {
    documents,
    byScript: [...scripts].map(([script, ms]) => ({ script, ms })).sort((a, b) => b.ms - a.ms).slice(0, 12),
    topFunctions: [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, 12),
    totalMs,
  }
}

/** Page chats (each followed by a client chat with the same scripts) on a running emulator. */
export async function pageMode(options: { origin: string; fakeUrl: string; plans: ChatPlan[]; profilePlan?: ChatPlan; ip: string; progress: (line: string) => void }): Promise<PageResults> {
  const { origin, fakeUrl, plans, progress } = options
  const errors: string[] = []
  const seq = (await fetchCalls(fakeUrl)).reduce((max, call) => Math.max(max, call.seq), 0)
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
  const pageRuns: ChatRun[] = []
  const clientRuns: ChatRun[] = []
  /** A second HTTP client on the same chats: how far two identical pollers differ (the noise floor of the comparison). */
  const controlRuns: ChatRun[] = []
  const logs: Array<{ plan: ChatPlan; log: PageLog; offset: number; navigatedAt: number }> = []
  let browserRender: PageResults['browserRender']
  let instrumented = { patched: false }
  let profile: PageResults['profile']
  let trace: PageResults['trace']
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: visitorHeaders(options.ip) })
    await context.addInitScript(instrument)
    instrumented = await instrumentSession(context)
    for (const [i, plan] of plans.entries()) {
      const page = await context.newPage()
      page.on('pageerror', (error) => errors.push(`${plan.label}: page error ${error.message}`))
      try {
        const navigatedAt = now()
        await page.goto(origin)
        const offset = await clockOffset(page)
        // The columns come with the models document; without them the page would still ask every configured provider.
        await page.waitForFunction(() => document.querySelectorAll('li.draft').length >= 3, null, { timeout: 20_000 }).catch(() => errors.push(`${plan.label}: no columns shown before sending`))
        const expected = Object.fromEntries(Object.entries(plan.expected).map(([id, text]) => [id, text!.replace(/\s+/g, ' ').trim()]))
        await page.evaluate((map) => Object.assign((window as unknown as { __bench: { expected: Record<string, string> } }).__bench.expected, map), expected)
        const prompt = page.getByLabel('Prompt', { exact: true })
        await prompt.fill(String(plan.body.message))
        const run: ChatRun = { label: plan.label, turn: 1, postStartedAt: now(), providers: {}, statusRequests: {} }
        await prompt.press('Enter')
        await page.waitForURL(/\?chat=[\w-]+$/, { timeout: 30_000 })
        run.chatId = new URL(page.url()).searchParams.get('chat') ?? undefined
        const shadow: ChatRun = { label: plan.label, chatId: run.chatId, turn: 1, postStartedAt: run.postStartedAt, providers: {}, statusRequests: {} }
        const control: ChatRun = { ...shadow, providers: {}, statusRequests: {} }
        const follow = (into: ChatRun) => (run.chatId ? followChat(into, { origin, label: plan.label, body: {}, ip: options.ip, timeoutMs: 90_000 }) : Promise.resolve())
        const following = Promise.all([follow(shadow), follow(control)])
        clientRuns.push(shadow)
        controlRuns.push(control)
        await page
          .waitForFunction((ids) => ids.every((id) => (window as unknown as { __bench: PageLog }).__bench.cards[id]?.doneFrameAt !== undefined), Object.keys(expected), { timeout: 90_000, polling: 250 })
          .catch(() => (run.error = 'not every answer was shown done within 90 s'))
        const log = await page.evaluate((pattern) => {
          const log = (window as unknown as { __bench: PageLog }).__bench
          log.modules = performance
            .getEntriesByType('resource')
            .filter((entry) => new RegExp(pattern).test(entry.name))
            .map((entry) => ({ name: new URL(entry.name).pathname.split('/').at(-1)!, startMs: entry.startTime, endMs: (entry as PerformanceResourceTiming).responseEnd }))
          return log
        }, LAZY_MODULES.source)
        const toLocal = (at: number | undefined) => (at === undefined ? undefined : at - offset)
        for (const [id, card] of Object.entries(log.cards)) {
          if (!(id in expected)) continue
          run.providers[id] = {
            firstTextAt: toLocal(card.firstTextAt),
            finalAt: toLocal(card.doneAt),
            ...(card.doneAt !== undefined ? { finalStatus: 'done', finalText: plan.expected[id as keyof typeof plan.expected] } : {}),
          }
        }
        pageRuns.push(run)
        logs.push({ plan, log, offset, navigatedAt })
        await following
      } catch (error) {
        errors.push(`${plan.label}: ${(error as Error).message.split('\n')[0]}`)
        pageRuns.push({ label: plan.label, turn: 1, postStartedAt: now(), providers: {}, statusRequests: {}, error: (error as Error).message })
        if (clientRuns.length < pageRuns.length) clientRuns.push({ label: plan.label, turn: 1, postStartedAt: now(), providers: {}, statusRequests: {}, error: 'the page chat failed' })
        if (controlRuns.length < pageRuns.length) controlRuns.push({ label: plan.label, turn: 1, postStartedAt: now(), providers: {}, statusRequests: {}, error: 'the page chat failed' })
      } finally {
        await page.close()
      }
      progress(`emulator: page chat ${i + 1} of ${plans.length} done${pageRuns.at(-1)?.error ? ` (${pageRuns.at(-1)!.error})` : ''}`)
    }
    if (options.profilePlan) {
      const plan = options.profilePlan
      const page = await context.newPage()
      try {
        await page.goto(origin)
        await page.waitForFunction(() => document.querySelectorAll('li.draft').length >= 3, null, { timeout: 20_000 }).catch(() => {})
        const expected = Object.fromEntries(Object.entries(plan.expected).map(([id, text]) => [id, text!.replace(/\s+/g, ' ').trim()]))
        await page.evaluate((map) => Object.assign((window as unknown as { __bench: { expected: Record<string, string> } }).__bench.expected, map), expected)
        await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] })
        const cdp = await context.newCDPSession(page)
        await cdp.send('Profiler.enable')
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 })
        await cdp.send('Profiler.start')
        const prompt = page.getByLabel('Prompt', { exact: true })
        await prompt.fill(String(plan.body.message))
        await prompt.press('Enter')
        await page.waitForFunction((ids) => ids.every((id) => (window as unknown as { __bench: PageLog }).__bench.cards[id]?.doneFrameAt !== undefined), Object.keys(expected), { timeout: 90_000, polling: 250 })
        const { profile: cpu } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile }
        const traced = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] }
        trace = summarizeTrace(traced.traceEvents)
        if (!('error' in trace)) for (const update of trace.updates) update.functions = functionsBetween(cpu, update.fromTs, update.toTs)
        const documents = await page.evaluate(() => (window as unknown as { __bench: PageLog }).__bench.receives.filter((entry) => entry.phase === 'end').length)
        profile = summarizeProfile(cpu, documents)
      } catch (error) {
        profile = { error: (error as Error).message.split('\n')[0]! }
      } finally {
        await page.close()
      }
    }
    // The render figure of web/src/testing/render-bench.tsx, in this browser (Vite serves the module as
    // it does the page's). Its first import makes Vite optimize preact/test-utils and reload: try again.
    const page = await context.newPage()
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await page.goto(origin)
          await page.waitForLoadState('networkidle')
          browserRender = await page.evaluate(async (path) => {
            const module = (await import(/* @vite-ignore */ path)) as { timeStreamedUpdate(options: { turns: number; columns: number; updates: number }): Promise<{ medianMs: number; maxMs: number }> }
            return module.timeStreamedUpdate({ turns: 20, columns: 4, updates: 40 })
          }, '/src/testing/render-bench.tsx')
          break
        } catch (error) {
          if (attempt >= 3) throw error
          await page.waitForTimeout(2000)
        }
      }
    } catch (error) {
      browserRender = { error: (error as Error).message.split('\n')[0]! }
    } finally {
      await page.close()
    }
  } finally {
    await browser.close()
  }

  const calls = await fetchCalls(fakeUrl, seq)
  const callOf = (label: string, provider: string): FakeCallRecord | undefined => calls.find((call) => call.chat === label && call.provider === provider)
  const timelines: AnswerTimeline[] = []
  const pageFullTextMs: number[] = []
  const modules: PageResults['modules'] = []
  const plainSightings: number[] = []
  const pageRequests: number[] = []
  const anyUpdateRenderMs: number[] = []
  for (const { plan, log, offset } of logs) {
    pageRequests.push(log.requests.length)
    for (const end of log.receives.filter((entry) => entry.phase === 'end')) {
      const next = log.mutations.find((at) => at >= end.at)
      if (next !== undefined && next - end.at < 250) anyUpdateRenderMs.push(next - end.at)
    }
    modules.push(log.modules ?? [])
    plainSightings.push(log.plainSightings)
    for (const [id, card] of Object.entries(log.cards)) {
      const call = callOf(plan.label, id)
      if (!call?.lastByteAt) continue
      if (card.fullTextAt !== undefined) pageFullTextMs.push(card.fullTextAt - offset - call.lastByteAt)
      if (card.doneAt === undefined) continue
      // The status response that carried it: the last one parsed before the DOM showed it.
      const carrier = log.requests.filter((request) => request.jsonAt !== undefined && request.jsonAt <= card.doneAt!).at(-1)
      if (!carrier) continue
      const rel = (at: number | undefined) => (at === undefined ? NaN : at - offset - call.lastByteAt!)
      const version = log.receives.filter((entry) => entry.phase === 'start' && entry.at >= carrier.jsonAt! && entry.at <= card.doneAt!).at(0)?.version
      const receive = log.receives.find((entry) => entry.phase === 'start' && entry.version === version && entry.at >= carrier.jsonAt!)
      const signals = log.receives.find((entry) => entry.phase === 'end' && entry.version === version && entry.at >= carrier.jsonAt!)
      timelines.push({
        label: plan.label,
        participant: id,
        requestSentMs: rel(carrier.sentAt),
        responseMs: rel(carrier.headersAt),
        jsonMs: rel(carrier.jsonAt),
        receiveMs: rel(receive?.at),
        signalsMs: rel(signals?.at),
        domMs: rel(card.doneAt),
        frameMs: rel(card.doneFrameAt),
        bytes: carrier.bytes ?? 0,
      })
    }
  }
  const page = analyseBatch(plans, pageRuns, calls)
  const client = analyseBatch(plans, clientRuns, calls)
  const gapMs: number[] = []
  const controlGapMs: number[] = []
  const arrivalGapMs: number[] = []
  for (const [i, run] of pageRuns.entries()) {
    for (const [id, seen] of Object.entries(run.providers)) {
      const twin = clientRuns[i]?.providers[id]
      const other = controlRuns[i]?.providers[id]
      if (seen.finalAt !== undefined && twin?.finalAt !== undefined) gapMs.push(seen.finalAt - twin.finalAt)
      if (other?.finalAt !== undefined && twin?.finalAt !== undefined) controlGapMs.push(other.finalAt - twin.finalAt)
    }
  }
  for (const entry of timelines) {
    const i = plans.findIndex((plan) => plan.label === entry.label)
    const twin = clientRuns[i]?.providers[entry.participant]
    const call = callOf(entry.label, entry.participant)
    if (twin?.responseAt !== undefined && call?.lastByteAt !== undefined) arrivalGapMs.push(entry.responseMs - (twin.responseAt - call.lastByteAt))
  }
  for (const run of [...pageRuns, ...clientRuns]) if (run.error) errors.push(`${run.label}: ${run.error}`)
  return {
    page,
    pageFinalMs: page.finalStalenessMs,
    client,
    gapMs,
    controlGapMs,
    arrivalGapMs,
    timelines,
    pageFullTextMs,
    modules,
    plainSightings,
    sessionInstrumented: instrumented.patched,
    pageRequests,
    anyUpdateRenderMs,
    ...(profile ? { profile } : {}),
    ...(trace ? { trace } : {}),
    ...(browserRender ? { browserRender } : {}),
    errors: errors.slice(0, 8),
  }
}

/** Median of each step of the timelines. */
export type TimelineStep = 'requestSentMs' | 'responseMs' | 'jsonMs' | 'receiveMs' | 'signalsMs' | 'domMs' | 'frameMs'

export function timelineSummary(timelines: readonly AnswerTimeline[]): Record<TimelineStep, Summary> {
  const pick = (key: TimelineStep) => summarize(timelines.map((entry) => entry[key]).filter(Number.isFinite))
  return { requestSentMs: pick('requestSentMs'), responseMs: pick('responseMs'), jsonMs: pick('jsonMs'), receiveMs: pick('receiveMs'), signalsMs: pick('signalsMs'), domMs: pick('domMs'), frameMs: pick('frameMs') }
}

/** Per answer, the time each step of the page took after the one before (response → JSON → receive → signals → DOM → frame). */
export function stepDurations(timelines: readonly AnswerTimeline[]): Record<string, Summary> {
  const gap = (from: TimelineStep, to: TimelineStep) => summarize(timelines.map((entry) => entry[to] - entry[from]).filter(Number.isFinite))
  return {
    'response → JSON parsed': gap('responseMs', 'jsonMs'),
    'JSON parsed → receive()': gap('jsonMs', 'receiveMs'),
    'receive() → signals set': gap('receiveMs', 'signalsMs'),
    'signals set → DOM': gap('signalsMs', 'domMs'),
    'JSON parsed → DOM': gap('jsonMs', 'domMs'),
    'DOM → next frame': gap('domMs', 'frameMs'),
  }
}
