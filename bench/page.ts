/**
 * The page's own staleness in a real browser: Debian's Chromium (playwright-core, never a download)
 * opens the page on `npm start` (real mode, the providers are the benchmark's fake), types a
 * benchmark prompt and sends it as a person would. For each answer: when the page's DOM first showed
 * it `done` with its full text, minus the fake provider's last byte. Each page chat is followed by a
 * chat with the same reply scripts from the benchmark's HTTP client (client.ts, the page's own loop
 * outside a browser), so the two are compared on the same emulator under the same conditions.
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
import { runChat, visitorHeaders, type ChatRun } from './client.ts'
import { fetchCalls, type FakeCallRecord } from './fake-providers.ts'
import { now, summarize, type Summary } from './stats.ts'
import { analyseBatch, type BatchFigures, type ChatPlan } from './workload.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** What the init script records, in the page's clock. */
interface PageLog {
  requests: Array<{ url: string; sentAt: number; headersAt?: number; jsonAt?: number; status?: number; bytes?: number }>
  cards: Record<string, { firstTextAt?: number; fullTextAt?: number; doneAt?: number; doneFrameAt?: number; doneLength?: number }>
  markdownAt?: number
}

/** Runs in the page before its own scripts. */
function instrument() {
  const stamp = () => performance.timeOrigin + performance.now()
  const log: PageLog & { expected: Record<string, string> } = { requests: [], cards: {}, expected: {} }
  ;(window as unknown as { __bench: typeof log }).__bench = log
  const normalize = (text: string) => text.replace(/\s+/g, ' ').trim()
  const isStatus = (url: string) => /\/api\/ai\/chat\/[0-9a-f-]{36}(\?|$)/.test(url)
  const pending = new WeakMap<Response, PageLog['requests'][number]>()
  const realFetch = window.fetch.bind(window)
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input)
    if (!isStatus(url)) return realFetch(input, init)
    const entry: PageLog['requests'][number] = { url, sentAt: stamp() }
    log.requests.push(entry)
    const response = await realFetch(input, init)
    entry.headersAt = stamp()
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
      entry.bytes = JSON.stringify(value).length
    }
    return value
  }
  const look = () => {
    const at = stamp()
    if (log.markdownAt === undefined && document.querySelector('.card .md:not(.plain)')) log.markdownAt = at
    for (const card of document.querySelectorAll<HTMLElement>('.card[data-participant]')) {
      const id = card.dataset.participant!
      const expected = log.expected[id]
      const seen = (log.cards[id] ??= {})
      const text = normalize(card.querySelector('.md')?.textContent ?? '')
      if (text && seen.firstTextAt === undefined) seen.firstTextAt = at
      const full = expected !== undefined && text.includes(expected)
      if (full && seen.fullTextAt === undefined) seen.fullTextAt = at
      if (full && card.dataset.status === 'done' && seen.doneAt === undefined) {
        seen.doneAt = at
        seen.doneLength = text.length
        requestAnimationFrame(() => (seen.doneFrameAt = stamp()))
      }
    }
  }
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true, attributes: true })
}

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
  /** The HTTP client on the same scripts, right after each page chat. */
  client: BatchFigures
  timelines: AnswerTimeline[]
  /** Full text in the DOM (whatever the status) minus the last byte. */
  pageFullTextMs: number[]
  /** Navigation → the Markdown renderer in use (the lazy chunk), per chat. */
  markdownReadyMs: number[]
  /** Status requests the page sent per chat. */
  pageRequests: number[]
  /** The streamed-update render figure of web/src/testing/render-bench.tsx run in this browser. */
  browserRender?: { medianMs: number; maxMs: number } | { error: string }
  clockRttMs?: number
  errors: string[]
}

export const hasChromium = () => existsSync(CHROMIUM)

/** Page chats (each followed by a client chat with the same scripts) on a running emulator. */
export async function pageMode(options: { origin: string; fakeUrl: string; plans: ChatPlan[]; clientPlans: ChatPlan[]; ip: string; progress: (line: string) => void }): Promise<PageResults> {
  const { origin, fakeUrl, plans, clientPlans, progress } = options
  const errors: string[] = []
  const seq = (await fetchCalls(fakeUrl)).reduce((max, call) => Math.max(max, call.seq), 0)
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
  const pageRuns: ChatRun[] = []
  const clientRuns: ChatRun[] = []
  const logs: Array<{ plan: ChatPlan; log: PageLog; offset: number; navigatedAt: number }> = []
  let browserRender: PageResults['browserRender']
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: visitorHeaders(options.ip) })
    await context.addInitScript(instrument)
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
        await page
          .waitForFunction((ids) => ids.every((id) => (window as unknown as { __bench: PageLog }).__bench.cards[id]?.doneFrameAt !== undefined), Object.keys(expected), { timeout: 90_000, polling: 250 })
          .catch(() => (run.error = 'not every answer was shown done within 90 s'))
        const log = await page.evaluate(() => (window as unknown as { __bench: PageLog }).__bench)
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
      } catch (error) {
        errors.push(`${plan.label}: ${(error as Error).message.split('\n')[0]}`)
        pageRuns.push({ label: plan.label, turn: 1, postStartedAt: now(), providers: {}, statusRequests: {}, error: (error as Error).message })
      } finally {
        await page.close()
      }
      progress(`emulator: page chat ${i + 1} of ${plans.length} done${pageRuns.at(-1)?.error ? ` (${pageRuns.at(-1)!.error})` : ''}; the client's chat with the same scripts`)
      clientRuns.push(await runChat({ origin, label: clientPlans[i]!.label, body: clientPlans[i]!.body, ip: options.ip, timeoutMs: 90_000 }))
    }
    // The render figure of web/src/testing/render-bench.tsx, in this browser (Vite serves the module as it does the page's).
    const page = await context.newPage()
    try {
      await page.goto(origin)
      browserRender = await page.evaluate(async (path) => {
        const module = (await import(/* @vite-ignore */ path)) as { timeStreamedUpdate(options: { turns: number; columns: number; updates: number }): Promise<{ medianMs: number; maxMs: number }> }
        return module.timeStreamedUpdate({ turns: 20, columns: 4, updates: 40 })
      }, '/src/testing/render-bench.tsx')
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
  const markdownReadyMs: number[] = []
  const pageRequests: number[] = []
  for (const { plan, log, offset, navigatedAt } of logs) {
    pageRequests.push(log.requests.length)
    if (log.markdownAt !== undefined) markdownReadyMs.push(log.markdownAt - offset - navigatedAt)
    for (const [id, card] of Object.entries(log.cards)) {
      const call = callOf(plan.label, id)
      if (!call?.lastByteAt) continue
      if (card.fullTextAt !== undefined) pageFullTextMs.push(card.fullTextAt - offset - call.lastByteAt)
      if (card.doneAt === undefined) continue
      // The status response that carried it: the last one parsed before the DOM showed it.
      const carrier = log.requests.filter((request) => request.jsonAt !== undefined && request.jsonAt <= card.doneAt!).at(-1)
      if (!carrier) continue
      const rel = (at: number | undefined) => (at === undefined ? NaN : at - offset - call.lastByteAt!)
      timelines.push({
        label: plan.label,
        participant: id,
        requestSentMs: rel(carrier.sentAt),
        responseMs: rel(carrier.headersAt),
        jsonMs: rel(carrier.jsonAt),
        domMs: rel(card.doneAt),
        frameMs: rel(card.doneFrameAt),
        bytes: carrier.bytes ?? 0,
      })
    }
  }
  const page = analyseBatch(plans, pageRuns, calls)
  const client = analyseBatch(clientPlans, clientRuns, calls)
  for (const run of [...pageRuns, ...clientRuns]) if (run.error) errors.push(`${run.label}: ${run.error}`)
  return {
    page,
    pageFinalMs: page.finalStalenessMs,
    client,
    timelines,
    pageFullTextMs,
    markdownReadyMs,
    pageRequests,
    ...(browserRender ? { browserRender } : {}),
    errors: errors.slice(0, 8),
  }
}

/** Median of each step of the timelines. */
export function timelineSummary(timelines: readonly AnswerTimeline[]): Record<'requestSentMs' | 'responseMs' | 'jsonMs' | 'domMs' | 'frameMs', Summary> {
  const pick = (key: keyof AnswerTimeline) => summarize(timelines.map((entry) => entry[key] as number).filter(Number.isFinite))
  return { requestSentMs: pick('requestSentMs'), responseMs: pick('responseMs'), jsonMs: pick('jsonMs'), domMs: pick('domMs'), frameMs: pick('frameMs') }
}
