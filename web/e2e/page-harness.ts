/**
 * The browser side of the page tests: Debian's Chromium through playwright-core (no browser is
 * ever downloaded), one page per test file against the shared `npm start`, watched for CSP
 * violations, page errors and status requests in flight, and what each answer card showed.
 * Without Chromium the page tests are skipped with a message, except under CI=true where that is a
 * failure.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'

/** Debian's Chromium; `CHROMIUM_PATH` points elsewhere (e.g. to check the skip). */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const RESULTS = fileURLToPath(new URL('../../test-results', import.meta.url))
export const hasBrowser = existsSync(CHROMIUM)
const inCi = process.env.CI === 'true'

/** Says once per file why the browser tests do not run (and fails under CI). */
export function requireBrowser(): void {
  if (hasBrowser) return
  const install = 'Install it with `apt-get update && apt-get install -y chromium`.'
  // Straight to stderr: the config shows console output of failing tests only, and a skip is no failure.
  process.stderr.write(
    inCi
      ? `\n[e2e] FAILING: ${CHROMIUM} is missing and CI=true, so the browser test cannot run. ${install}\n`
      : `\n[e2e] SKIPPED: ${CHROMIUM} is missing, so the browser test does not run. ${install}\n`,
  )
  it.runIf(inCi)('has Chromium to run the browser test under CI', () => {
    throw new Error(`${CHROMIUM} is missing and CI=true: install it (apt-get install -y chromium) so the browser test runs.`)
  })
}

export interface Sighting {
  card: string
  status: string
  length: number
}

interface Watched {
  sightings: Sighting[]
  /** Exposed by the test: collects the violations of every document the page loads. */
  reportCspViolation(text: string): void
}

/**
 * From each document's first script on: reports every CSP violation, and records every state each
 * answer card is seen in (`sightings`, per document).
 */
function watchPage() {
  const win = window as unknown as Watched
  win.sightings = []
  document.addEventListener('securitypolicyviolation', (event) => win.reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`))
  const look = () => {
    for (const card of document.querySelectorAll<HTMLElement>('.card[data-participant][data-turn]')) {
      const sighting = {
        card: `${card.dataset.turn}/${card.dataset.participant}`,
        status: card.dataset.status ?? '',
        length: card.querySelector('.md')?.textContent?.length ?? 0,
      }
      const last = win.sightings.findLast((seen) => seen.card === sighting.card)
      if (!last || last.status !== sighting.status || last.length !== sighting.length) win.sightings.push(sighting)
    }
  }
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true, attributes: true })
}

export const sightings = (page: Page): Promise<Sighting[]> => page.evaluate(() => (window as unknown as Watched).sightings)

/** The rendered text of each answer of a turn, by participant. */
export function cardTexts(page: Page, turn: number): Promise<Record<string, string>> {
  return page.$$eval(
    `.card[data-turn="${turn}"]`,
    (cards) => Object.fromEntries(cards.map((card) => [(card as HTMLElement).dataset.participant!, card.querySelector('.md')?.textContent ?? ''])),
  )
}

/** Resolves when every answer of `turn` in the page is done and shows its metrics, `count` of them. */
export function turnDone(page: Page, turn: number, count: number) {
  return page.waitForFunction(
    ([turn, count]) => {
      const cards = document.querySelectorAll<HTMLElement>(`.card[data-turn="${turn}"]`)
      return cards.length === count && [...cards].every((card) => card.dataset.status === 'done' && card.querySelector('.metrics'))
    },
    [turn, count] as const,
  )
}

export const statusLine = (page: Page) => page.locator('.chat-status [role="status"]')
export const headings = (page: Page) => page.locator('.column-head h3').allTextContents()

export interface PageSession {
  /** The page (once the file's beforeAll has run). */
  page(): Page
  /** The test every page file ends with. */
  expectRanCleanly(): void
}

/**
 * A Chromium page for the tests of one file, opened before them and closed after. Call inside the
 * file's describe, and end the file with a test calling `expectRanCleanly()`.
 */
export function usePage(viewport: { width: number; height: number }): PageSession {
  let browser: Browser
  let page: Page
  const pageErrors: string[] = []
  const cspViolations: string[] = []
  // Status requests in flight at once, as the browser sees them, per loaded document (a reload
  // aborts the old document's held request: that one may be reported ended after the new one started).
  let loads = 0
  const inFlight = new Map<number, number>()
  let maxInFlight = 0
  let overlap = ''
  const loadOf = new WeakMap<object, number>()
  const isStatus = (url: string) => /^\/api\/ai\/chat\/[0-9a-f-]{36}$/.test(new URL(url).pathname)

  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    })
    const context = await browser.newContext({ viewport, colorScheme: 'light' })
    page = await context.newPage()
    // Waits end on page events; this only turns a page that never gets there into a failure with
    // Playwright's call log before the test's own timeout (a loaded machine is slow, not broken).
    page.setDefaultTimeout(200_000)
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.exposeFunction('reportCspViolation', (text: string) => cspViolations.push(text))
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) loads++
    })
    page.on('request', (request) => {
      if (!isStatus(request.url())) return
      loadOf.set(request, loads)
      const now = (inFlight.get(loads) ?? 0) + 1
      inFlight.set(loads, now)
      if (now > maxInFlight) overlap = `${now} at once, the last ${request.url()}`
      maxInFlight = Math.max(maxInFlight, now)
    })
    // A request ends for the page when its answer arrives (the page reads the small JSON body and
    // only then asks again): Playwright can report `requestfinished` after the page's next request
    // has started. One that never got an answer ends when it fails (aborted by a reload).
    const settled = (request: object) => {
      const load = loadOf.get(request)
      if (load === undefined) return
      loadOf.delete(request)
      inFlight.set(load, inFlight.get(load)! - 1)
    }
    page.on('response', (response) => settled(response.request()))
    page.on('requestfailed', settled)
    await page.addInitScript(watchPage)
  })

  afterAll(async () => {
    await browser?.close().catch(() => {})
  })

  return {
    page: () => page,
    expectRanCleanly() {
      expect(cspViolations).toEqual([])
      expect(pageErrors).toEqual([])
      expect(maxInFlight, overlap).toBe(1)
    },
  }
}
