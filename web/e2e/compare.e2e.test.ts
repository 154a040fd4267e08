/**
 * The page in a real browser against `npm start` in demo mode: ask, watch three cards stream, see
 * them finish with metrics, reload the permalink and see the same answers, under the production CSP.
 *
 * Uses Debian's Chromium (/usr/bin/chromium) through playwright-core; no browser is ever downloaded.
 * Without it the test is skipped with a message, except under CI=true where that is a failure.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { headersFor, readHeaderRules } from '../page-headers.ts'
import { freePort, startDevServer, stopDevServer } from './dev-server.ts'

/** Debian's Chromium; `CHROMIUM_PATH` points elsewhere (e.g. to check the skip). */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const RESULTS = `${ROOT}test-results`
const README_SCREENSHOT = fileURLToPath(new URL('../screenshot.png', import.meta.url))
/** The page's headers as netlify.toml sets them on Netlify; the dev server sends the same. */
const PAGE_HEADERS = headersFor(readHeaderRules(), '/')
const PROMPT = 'How do long polls compare with server-sent events?'

const hasBrowser = existsSync(CHROMIUM)
const inCi = process.env.CI === 'true'
if (!hasBrowser) {
  const install = 'Install it with `apt-get update && apt-get install -y chromium`.'
  console.log(
    inCi
      ? `\n[e2e] FAILING: ${CHROMIUM} is missing and CI=true, so the browser test cannot run. ${install}\n`
      : `\n[e2e] SKIPPED: ${CHROMIUM} is missing, so the browser test does not run. ${install}\n`,
  )
}

interface Sighting {
  provider: string
  status: string
  length: number
}

/** Records every state each card is seen in, and every CSP violation, from the page's first script on. */
function watchPage() {
  const win = window as unknown as { sightings: Sighting[]; cspViolations: string[] }
  win.sightings = []
  win.cspViolations = []
  document.addEventListener('securitypolicyviolation', (event) =>
    win.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`),
  )
  const look = () => {
    for (const card of document.querySelectorAll<HTMLElement>('.card')) {
      const sighting = {
        provider: card.dataset.provider ?? '',
        status: card.dataset.status ?? '',
        length: card.querySelector('.md')?.textContent?.length ?? 0,
      }
      const last = win.sightings.findLast((seen) => seen.provider === sighting.provider)
      if (!last || last.status !== sighting.status || last.length !== sighting.length) win.sightings.push(sighting)
    }
  }
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true, attributes: true })
}

async function cardTexts(page: Page): Promise<Record<string, string>> {
  return page.$$eval('.card', (cards) =>
    Object.fromEntries(cards.map((card) => [(card as HTMLElement).dataset.provider, card.querySelector('.md')?.textContent ?? ''])),
  )
}

const allDone = () => {
  const cards = document.querySelectorAll<HTMLElement>('.card')
  return cards.length === 3 && [...cards].every((card) => card.dataset.status === 'done' && card.querySelector('.metrics'))
}

describe.skipIf(!hasBrowser)('the comparison page in Chromium, against npm start in demo mode', () => {
  let server: Awaited<ReturnType<typeof startDevServer>> | undefined
  let browser: Browser | undefined
  const stopOnExit = () => server?.child.pid && process.kill(-server.child.pid, 'SIGKILL')

  beforeAll(async () => {
    process.once('exit', stopOnExit)
    mkdirSync(RESULTS, { recursive: true })
    server = await startDevServer(await freePort())
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    })
  })

  afterAll(async () => {
    await browser?.close().catch(() => {})
    await stopDevServer(server?.child)
    process.off('exit', stopOnExit)
  })

  it('streams three answers side by side, finishes with metrics, and shows the same results from the permalink', async () => {
    const { origin } = server!
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    // Status requests in flight at once, as the browser sees them.
    let inFlight = 0
    let maxInFlight = 0
    const isStatus = (url: string) => /\/api\/ai\/chat\/[^/]+(\?|$)/.test(new URL(url).pathname + new URL(url).search)
    page.on('request', (request) => {
      if (isStatus(request.url())) maxInFlight = Math.max(maxInFlight, ++inFlight)
    })
    const settled = (request: { url(): string }) => isStatus(request.url()) && inFlight--
    page.on('requestfinished', settled)
    page.on('requestfailed', settled)
    await page.addInitScript(watchPage)

    // The page runs under netlify.toml's CSP and other headers, sent by the dev server itself.
    const landing = await page.goto(origin)
    expect(PAGE_HEADERS['Content-Security-Policy']).toContain("script-src 'self'")
    const sent = await landing!.allHeaders()
    for (const [name, value] of Object.entries(PAGE_HEADERS)) expect(sent[name.toLowerCase()], name).toBe(value)
    await page.getByRole('note').filter({ hasText: 'Demo mode' }).waitFor()
    await page.locator('#use-openai:checked').waitFor()
    await page.getByLabel('Prompt', { exact: true }).fill(PROMPT)
    await page.getByLabel('Prompt', { exact: true }).press('Enter')

    await page.waitForURL(/\?chat=[\w-]+$/)
    await page.waitForFunction(() => document.querySelectorAll('.card').length === 3)
    await page.waitForFunction(
      () => !!document.querySelector('.card[data-status="streaming"] .md:not(:empty)'),
      null,
      { timeout: 60_000 },
    )
    await page.screenshot({ path: `${RESULTS}/compare-streaming.png`, fullPage: true })
    await page.waitForFunction(allDone, null, { timeout: 90_000 })

    // Each card was seen with part of its answer before it was done.
    const sightings = await page.evaluate(() => (window as unknown as { sightings: Sighting[] }).sightings)
    const texts = await cardTexts(page)
    expect(Object.keys(texts)).toEqual(['openai', 'anthropic', 'gemini'])
    const partial = (provider: string) =>
      sightings.filter((seen) => seen.provider === provider && seen.status === 'streaming' && seen.length > 0)
    const streamedPartially = Object.keys(texts).filter((provider) => partial(provider).some((seen) => seen.length < texts[provider]!.length))
    expect(streamedPartially.length, `cards seen half-written: ${JSON.stringify(sightings)}`).toBeGreaterThanOrEqual(2)

    for (const provider of Object.keys(texts)) {
      expect(texts[provider]).toContain('Demo answer')
      const metrics = page.locator(`.card[data-provider="${provider}"] .metrics`)
      await expect(metrics.textContent()).resolves.toMatch(/Tokens in \/ out\d+ \/ \d+First token[\d.]+ m?sTotal[\d.]+ m?sSpeed\d+ tokens\/s/)
    }
    // Markdown was rendered (the demo answers carry bold text and a code block or a table).
    expect(await page.locator('.card .md strong').count()).toBeGreaterThanOrEqual(3)
    await expect(page.getByRole('status').filter({ hasText: 'All answers are in.' }).count()).resolves.toBe(1)
    await page.screenshot({ path: `${RESULTS}/compare-desktop.png`, fullPage: true })

    const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)
    expect(await violations()).toEqual([])

    // The permalink: a reload shows the same finished answers.
    const permalink = page.url()
    await page.reload()
    await page.waitForFunction(allDone, null, { timeout: 30_000 })
    expect(page.url()).toBe(permalink)
    expect(await cardTexts(page)).toEqual(texts)
    await page.screenshot({ path: `${RESULTS}/compare-permalink.png`, fullPage: true })

    // At 360 px the cards stack.
    await page.setViewportSize({ width: 360, height: 800 })
    const lefts = await page.$$eval('.card', (cards) => cards.map((card) => Math.round(card.getBoundingClientRect().left)))
    expect(new Set(lefts).size).toBe(1)
    await page.screenshot({ path: `${RESULTS}/compare-360.png`, fullPage: true })

    expect(await violations()).toEqual([])
    expect(pageErrors).toEqual([])
    expect(maxInFlight).toBe(1)

    if (!existsSync(README_SCREENSHOT) || process.env.UPDATE_SCREENSHOT === '1') {
      copyFileSync(`${RESULTS}/compare-desktop.png`, README_SCREENSHOT)
    }
    await context.close()
  })
})

it.runIf(!hasBrowser && inCi)('has Chromium to run the browser test under CI', () => {
  throw new Error(`${CHROMIUM} is missing and CI=true: install it (apt-get install -y chromium) so the browser test runs.`)
})
