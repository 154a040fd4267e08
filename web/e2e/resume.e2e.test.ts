/**
 * The page in a real browser against the shared `npm start` (demo mode, slowed down), beside
 * compare.e2e.test.ts: a chat of the three default columns whose permalink is reloaded while a turn
 * runs, and the same chat on a phone. Its tests run in order on one chat.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { cardTexts, hasBrowser, requireBrowser, RESULTS, sightings, statusLine, turnDone, usePage, type Sighting } from './page-harness.ts'
import { origin } from './server-client.ts'

const PROMPT = 'Should a chat app poll or push?'
/** Long, so that its answers (which quote it) take a while: time for the reload to land mid-turn. */
const FOLLOW_UP = 'And for a stock ticker that pushes a few hundred price updates a second to thousands of browsers, some of them behind proxies that cut idle connections?'
/** The default columns: each provider's default model. */
const COLUMNS = ['openai', 'anthropic', 'gemini']

requireBrowser()

describe.skipIf(!hasBrowser)('a chat page reloaded mid-turn, and on a phone, in Chromium against npm start in demo mode', () => {
  const session = usePage({ width: 1280, height: 900 })
  let page: Page
  beforeAll(() => {
    page = session.page()
  })

  it('picks up a turn where it is after a reload of the permalink mid-turn, and follows it to the end', async () => {
    await page.goto(origin())
    await page.getByLabel('Prompt', { exact: true }).fill(PROMPT)
    await page.getByLabel('Prompt', { exact: true }).press('Enter')
    await page.waitForURL(/\?chat=[0-9a-f-]{36}$/)
    const permalink = page.url()
    await turnDone(page, 1, COLUMNS.length)
    await page.getByRole('button', { name: 'Best (turn 1, Gemini)' }).click()
    await page.locator('.card.picked[data-turn="1"][data-participant="gemini"]').waitFor()
    const before = await cardTexts(page, 1)

    // The precondition, a turn still running when the reloaded page reads it, is a race between the
    // simulated answers (about 5-13 s) and the page load (slow on a loaded machine). A turn that ended
    // first shows nothing of a resume, so the test then asks the next turn, up to three in all.
    let turn = 1
    let seen: Sighting[] = []
    const resumed = () => seen.some((s) => s.card.startsWith(`${turn}/`) && (s.status === 'queued' || s.status === 'streaming'))
    do {
      turn++
      const box = page.getByLabel('Follow-up')
      await box.fill(turn === 2 ? FOLLOW_UP : `${FOLLOW_UP} (Turn ${turn}.)`)
      await box.press('Enter')
      await page.waitForFunction((turn) => !!document.querySelector(`.card[data-turn="${turn}"][data-status="streaming"] .md:not(:empty)`), turn)
      await page.reload()
      expect(page.url()).toBe(permalink)
      await turnDone(page, turn, COLUMNS.length)
      await statusLine(page).filter({ hasText: `Turn ${turn}: All answers are in.` }).waitFor()
      seen = await sightings(page)
    } while (!resumed() && turn < 4)
    // The reloaded page saw the turn still running, then each answer arrive.
    expect(resumed(), JSON.stringify(seen)).toBe(true)
    for (const id of COLUMNS) expect(seen.findLast((s) => s.card === `${turn}/${id}`)?.status).toBe('done')
    expect((await cardTexts(page, turn)).anthropic).toContain('And for a stock ticker that pushes')
    // The first turn came back as it was, with its pick.
    expect(await cardTexts(page, 1)).toEqual(before)
    await page.locator('.card.picked[data-turn="1"][data-participant="gemini"]').waitFor()
    await page.screenshot({ path: `${RESULTS}/compare-permalink.png`, fullPage: true })
  })

  it('stacks the columns at 360 px, with the send button in the first screen', async () => {
    await page.setViewportSize({ width: 360, height: 740 })
    await page.waitForFunction(() => new Set([...document.querySelectorAll('.column')].map((column) => Math.round(column.getBoundingClientRect().left))).size === 1)
    const columns = await page.locator('.column').evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect()))
    expect(columns).toHaveLength(COLUMNS.length)
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

  it('ran without a CSP violation or a page error, and never had two status requests in flight', () => {
    session.expectRanCleanly()
  })
})
