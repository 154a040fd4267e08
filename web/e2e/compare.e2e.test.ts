/**
 * The page in a real browser against the shared `npm start` (demo mode, slowed down), under the
 * production CSP the dev server sends: a comparison of four columns (two OpenAI models), its word
 * diff, a follow-up turn, the Markdown export, a blind pick, a reload of the permalink mid-turn, and
 * the phone layout. One chat goes through all of it, so the tests run in order.
 *
 * Uses Debian's Chromium (/usr/bin/chromium) through playwright-core; no browser is ever downloaded.
 * Without it the tests are skipped with a message, except under CI=true where that is a failure.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { headersFor, readHeaderRules } from '../page-headers.ts'
import { call, origin } from './server-client.ts'

/** Debian's Chromium; `CHROMIUM_PATH` points elsewhere (e.g. to check the skip). */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const RESULTS = `${ROOT}test-results`
const README_SCREENSHOT = fileURLToPath(new URL('../screenshot.png', import.meta.url))
/** The page's headers as netlify.toml sets them on Netlify; the dev server sends the same. */
const PAGE_HEADERS = headersFor(readHeaderRules(), '/')
const PROMPT = 'How do long polls compare with server-sent events?'
const FOLLOW_UP = 'Which one would you pick for a chat app?'
/** Long, so that its answers (which quote it) take a while: time for the reload to land mid-turn. */
const THIRD = 'And for a stock ticker that pushes a few hundred price updates a second to thousands of browsers, some of them behind proxies that cut idle connections?'
const FOLLOW_UP_MEMORY = "This is a follow-up: I see my own earlier answer in this chat, and none of the other models'."
/** The columns: the three providers' defaults, then the OpenAI model the test adds. */
const COLUMNS = ['openai', 'anthropic', 'gemini', 'openai-2']

const hasBrowser = existsSync(CHROMIUM)
const inCi = process.env.CI === 'true'
if (!hasBrowser) {
  const install = 'Install it with `apt-get update && apt-get install -y chromium`.'
  // Straight to stderr: the config shows console output of failing tests only, and a skip is no failure.
  process.stderr.write(
    inCi
      ? `\n[e2e] FAILING: ${CHROMIUM} is missing and CI=true, so the browser test cannot run. ${install}\n`
      : `\n[e2e] SKIPPED: ${CHROMIUM} is missing, so the browser test does not run. ${install}\n`,
  )
}

interface Sighting {
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

const sightings = (page: Page) => page.evaluate(() => (window as unknown as Watched).sightings)

/** The rendered text of each answer of a turn, by participant. */
function cardTexts(page: Page, turn: number): Promise<Record<string, string>> {
  return page.$$eval(
    `.card[data-turn="${turn}"]`,
    (cards) => Object.fromEntries(cards.map((card) => [(card as HTMLElement).dataset.participant!, card.querySelector('.md')?.textContent ?? ''])),
  )
}

/** Resolves when every answer of `turn` in the page is done and shows its metrics, `count` of them. */
function turnDone(page: Page, turn: number, count: number) {
  return page.waitForFunction(
    ([turn, count]) => {
      const cards = document.querySelectorAll<HTMLElement>(`.card[data-turn="${turn}"]`)
      return cards.length === count && [...cards].every((card) => card.dataset.status === 'done' && card.querySelector('.metrics'))
    },
    [turn, count] as const,
  )
}

const statusLine = (page: Page) => page.locator('.chat-status [role="status"]')
const headings = (page: Page) => page.locator('.column-head h3').allTextContents()

describe.skipIf(!hasBrowser)('the comparison page in Chromium, against npm start in demo mode', () => {
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let chatId = ''
  const pageErrors: string[] = []
  const cspViolations: string[] = []
  // Status requests in flight at once, as the browser sees them, per loaded document (a reload
  // aborts the old document's held request: that one may be reported ended after the new one started).
  let loads = 0
  const inFlight = new Map<number, number>()
  let maxInFlight = 0
  const loadOf = new WeakMap<object, number>()
  const isStatus = (url: string) => /^\/api\/ai\/chat\/[0-9a-f-]{36}$/.test(new URL(url).pathname)

  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    })
    // Tall enough for a whole answer card, metrics and cost included, in a column (70vh) of the README's screenshot.
    context = await browser.newContext({ viewport: { width: 1280, height: 1100 }, colorScheme: 'light' })
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
      maxInFlight = Math.max(maxInFlight, now)
    })
    const settled = (request: object) => {
      const load = loadOf.get(request)
      if (load !== undefined) inFlight.set(load, inFlight.get(load)! - 1)
    }
    page.on('requestfinished', settled)
    page.on('requestfailed', settled)
    await page.addInitScript(watchPage)
  })

  afterAll(async () => {
    await browser?.close().catch(() => {})
  })

  it('opens under the production CSP and page headers, in demo mode, with a column per provider', async () => {
    const landing = await page.goto(origin())
    expect(PAGE_HEADERS['Content-Security-Policy']).toContain("script-src 'self'")
    const sent = await landing!.allHeaders()
    for (const [name, value] of Object.entries(PAGE_HEADERS)) expect(sent[name.toLowerCase()], name).toBe(value)
    await page.getByRole('note').filter({ hasText: 'Demo mode' }).waitFor()
    await page.locator('.draft[data-provider="openai"]').waitFor()
    expect(await page.locator('.draft').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.provider))).toEqual(['openai', 'anthropic', 'gemini'])
  })

  it('compares four columns, two of them OpenAI models: they stream, then finish with metrics and costs', async () => {
    await page.getByLabel('Add model').selectOption(JSON.stringify(['openai', 'gpt-5-nano']))
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.locator('.draft').nth(3).waitFor()
    expect(await page.getByLabel('Model of column 4 (OpenAI)').inputValue()).toBe('gpt-5-nano')

    await page.getByLabel('Prompt', { exact: true }).fill(PROMPT)
    await page.getByLabel('Prompt', { exact: true }).press('Enter')
    await page.waitForURL(/\?chat=[0-9a-f-]{36}$/)
    chatId = new URL(page.url()).searchParams.get('chat')!
    await page.waitForFunction(() => document.querySelectorAll('.column').length === 4)
    expect(await page.locator('.column').evaluateAll((columns) => columns.map((column) => (column as HTMLElement).dataset.participant))).toEqual(COLUMNS)
    expect(await headings(page)).toEqual(['OpenAI', 'Anthropic', 'Gemini', 'OpenAI 2'])
    await page.waitForFunction(() => !!document.querySelector('.card[data-status="streaming"] .md:not(:empty)'))
    await page.screenshot({ path: `${RESULTS}/compare-streaming.png`, fullPage: true })
    await turnDone(page, 1, 4)
    await statusLine(page).filter({ hasText: 'All answers are in.' }).waitFor()

    // Answers were seen half-written before they were done.
    const texts = await cardTexts(page, 1)
    const seen = await sightings(page)
    const halfWritten = COLUMNS.filter((id) =>
      seen.some((s) => s.card === `1/${id}` && s.status === 'streaming' && s.length > 0 && s.length < texts[id]!.length),
    )
    // (How many depends on how often the page got to ask on a busy machine: one is the proof.)
    expect(halfWritten.length, `cards seen half-written: ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(1)

    for (const id of COLUMNS) {
      expect(texts[id]).toContain('Demo answer')
      const card = page.locator(`.card[data-turn="1"][data-participant="${id}"]`)
      await expect(card.locator('.metrics').textContent()).resolves.toMatch(
        /Model[\w.-]+Tokens in \/ out\d+ \/ \d+First token[\d.]+ m?sTotal[\d.]+ m?sSpeed\d+ tokens\/sCost(\$\d+\.\d{4}|< \$0\.0001)$/,
      )
    }
    expect(await page.locator('.card[data-turn="1"] .metrics dd[title]').allTextContents()).toEqual(['gpt-5-mini', 'claude-sonnet-4-6', 'gemini-2.5-flash', 'gpt-5-nano'])
    await expect(page.locator('.total-cost').textContent()).resolves.toMatch(/total cost \$\d+\.\d{4}/)
    // Four columns scroll sideways inside their row; the page itself does not.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0)
    // Markdown was rendered (the demo answers carry bold text, lists, a code block or a table).
    expect(await page.locator('.card[data-turn="1"] .md strong').count()).toBeGreaterThanOrEqual(4)
    // The page's own box, whole (the row of four columns scrolls sideways: the fourth starts at the right edge).
    await page.locator('#app').screenshot({ path: `${RESULTS}/compare-desktop.png` })
    if (!existsSync(README_SCREENSHOT) || process.env.UPDATE_SCREENSHOT === '1') copyFileSync(`${RESULTS}/compare-desktop.png`, README_SCREENSHOT)
  })

  it('shows the word diff of two answers of a turn: deletions, insertions and a similarity figure', async () => {
    await page.getByRole('button', { name: 'Compare two answers' }).click()
    const view = page.getByRole('region', { name: 'Differences between two answers' })
    const similarity = async () => Number(/^(\d+)% similar/.exec((await view.locator('.similarity').textContent()) ?? '')?.[1])
    // First the first two columns: two providers' answers.
    await view.locator('.similarity').waitFor()
    expect(await view.getByLabel('From').inputValue()).toBe('openai')
    expect(await view.getByLabel('To').inputValue()).toBe('anthropic')
    const acrossProviders = await similarity()
    // Then the two OpenAI models: the same template, their own model names and wording.
    await view.getByLabel('To').selectOption({ label: 'OpenAI 2' })
    await view.locator('.diff-text del', { hasText: 'mini' }).first().waitFor()
    await view.locator('.diff-text ins', { hasText: 'nano' }).first().waitFor()
    const sameProvider = await similarity()
    expect(sameProvider).toBeGreaterThan(acrossProviders)
    expect(sameProvider).toBeLessThan(100)
    await page.screenshot({ path: `${RESULTS}/compare-diff.png`, fullPage: true })
    await view.getByRole('button', { name: 'Close the comparison' }).click()
    await view.waitFor({ state: 'detached' })
  })

  it('sends a follow-up turn in which each column continues from its own earlier answer', async () => {
    const box = page.getByLabel('Follow-up')
    await box.fill(FOLLOW_UP)
    await box.press('Enter')
    await turnDone(page, 2, 4)
    await statusLine(page).filter({ hasText: 'Turn 2: All answers are in.' }).waitFor()
    const texts = await cardTexts(page, 2)
    for (const id of COLUMNS) {
      expect(texts[id]).toContain(FOLLOW_UP)
      expect(texts[id]).toContain(FOLLOW_UP_MEMORY)
    }
    // Each column shows the user's two messages above its two answers.
    expect(await page.locator(`.column[data-participant="openai-2"] .said`).allTextContents()).toEqual([`You asked: ${PROMPT}`, `You asked: ${FOLLOW_UP}`])
  })

  it('downloads the Markdown export, named by the server, with both turns', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export Markdown' }).click()])
    expect(download.suggestedFilename()).toMatch(/^how-do-long-polls[\w-]*\.md$/)
    const path = `${RESULTS}/${download.suggestedFilename()}`
    await download.saveAs(path)
    const markdown = readFileSync(path, 'utf8')
    expect(markdown).toMatch(new RegExp(`^# ${PROMPT.replace(/\?/g, '\\?')}\\n`))
    expect(markdown.indexOf('## Turn 2')).toBeGreaterThan(markdown.indexOf('## Turn 1'))
    expect(markdown).toContain(`> ${FOLLOW_UP}`)
    for (const id of COLUMNS) expect(markdown.split(`\n### ${id} · `), id).toHaveLength(3)
    expect(markdown.match(/Demo answer/g)).toHaveLength(8)
  })

  it('picks a best answer blind: names and costs stay hidden until the pick reveals them', async () => {
    await page.getByLabel('Blind', { exact: true }).check()
    await page.waitForFunction(() => [...document.querySelectorAll('.column-head h3')].every((h) => /^Model [A-D]$/.test(h.textContent ?? '')))
    expect((await headings(page)).sort()).toEqual(['Model A', 'Model B', 'Model C', 'Model D'])
    expect(await page.locator('.cost, .total-cost, .column-head .model').count()).toBe(0)
    await page.screenshot({ path: `${RESULTS}/compare-blind.png`, fullPage: true })

    await page.getByRole('button', { name: 'Best (turn 2, Model B)' }).click()
    const picked = page.locator('.card.picked')
    await picked.waitFor()
    const participant = (await picked.getAttribute('data-participant'))!
    expect(await picked.getAttribute('data-turn')).toBe('2')
    // The pick reveals every column's name and cost.
    await page.getByLabel('Blind (revealed)', { exact: true }).waitFor()
    expect((await headings(page)).sort()).toEqual(['Anthropic', 'Gemini', 'OpenAI', 'OpenAI 2'])
    expect(await page.locator('.card .cost').count()).toBe(8)
    await picked.getByRole('button', { name: /^Best answer \(turn 2, / }).waitFor()
    const { body: doc } = await call(`/api/ai/chat/${chatId}`)
    expect(doc.turns.map((turn: { pick: string | null }) => turn.pick)).toEqual([null, participant])
  })

  it('picks up a turn where it is after a reload of the permalink mid-turn, and follows it to the end', async () => {
    const before = { 1: await cardTexts(page, 1), 2: await cardTexts(page, 2) }
    const permalink = page.url()
    // The precondition, a turn still running when the reloaded page reads it, is a race between the
    // simulated answers (about 5-13 s) and the page load (slow on a loaded machine). A turn that ended
    // first shows nothing of a resume, so the test then asks the next turn, up to three in all.
    let turn = 2
    let seen: Sighting[] = []
    const resumed = () => seen.some((s) => s.card.startsWith(`${turn}/`) && (s.status === 'queued' || s.status === 'streaming'))
    do {
      turn++
      const box = page.getByLabel('Follow-up')
      await box.fill(turn === 3 ? THIRD : `${THIRD} (Turn ${turn}.)`)
      await box.press('Enter')
      await page.waitForFunction((turn) => !!document.querySelector(`.card[data-turn="${turn}"][data-status="streaming"] .md:not(:empty)`), turn)
      await page.reload()
      expect(page.url()).toBe(permalink)
      await turnDone(page, turn, 4)
      await statusLine(page).filter({ hasText: `Turn ${turn}: All answers are in.` }).waitFor()
      seen = await sightings(page)
    } while (!resumed() && turn < 5)
    // The reloaded page saw the turn still running, then each answer arrive.
    expect(resumed(), JSON.stringify(seen)).toBe(true)
    for (const id of COLUMNS) expect(seen.findLast((s) => s.card === `${turn}/${id}`)?.status).toBe('done')
    expect((await cardTexts(page, turn)).anthropic).toContain('And for a stock ticker that pushes')
    // The earlier turns came back as they were, and the blind pick stays revealed.
    expect(await cardTexts(page, 1)).toEqual(before[1])
    expect(await cardTexts(page, 2)).toEqual(before[2])
    await page.locator('.card.picked[data-turn="2"]').waitFor()
    await page.screenshot({ path: `${RESULTS}/compare-permalink.png`, fullPage: true })
  })

  it('stacks the columns at 360 px, with the send button in the first screen', async () => {
    await page.setViewportSize({ width: 360, height: 740 })
    await page.waitForFunction(() => new Set([...document.querySelectorAll('.column')].map((column) => Math.round(column.getBoundingClientRect().left))).size === 1)
    const columns = await page.locator('.column').evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect()))
    expect(columns).toHaveLength(4)
    expect(new Set(columns.map((box) => Math.round(box.left))).size).toBe(1)
    for (let i = 1; i < columns.length; i++) expect(columns[i]!.top).toBeGreaterThanOrEqual(columns[i - 1]!.bottom)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    // In the first screen: measured from the top of the page, whatever the page scrolled to.
    const send = await page.getByRole('button', { name: 'Compare', exact: true }).evaluate((button) => {
      const box = button.getBoundingClientRect()
      return { top: box.top + window.scrollY, bottom: box.bottom + window.scrollY, screen: window.innerHeight }
    })
    expect(send.top).toBeGreaterThanOrEqual(0)
    expect(send.bottom).toBeLessThanOrEqual(send.screen)
    await page.screenshot({ path: `${RESULTS}/compare-360.png`, fullPage: true })
  })

  it('ran without a CSP violation or a page error, and never had two status requests in flight', async () => {
    expect(cspViolations).toEqual([])
    expect(pageErrors).toEqual([])
    expect(maxInFlight).toBe(1)
  })
})

it.runIf(!hasBrowser && inCi)('has Chromium to run the browser test under CI', () => {
  throw new Error(`${CHROMIUM} is missing and CI=true: install it (apt-get install -y chromium) so the browser test runs.`)
})
