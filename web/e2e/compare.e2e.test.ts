/**
 * The page in a real browser against the shared `npm start` (demo mode, slowed down), under the
 * production CSP the dev server sends: a comparison of four columns (two OpenAI models), its word
 * diff, a follow-up turn, the Markdown export and a blind pick. One chat goes through all of it, so
 * the tests run in order. (A reload mid-turn and the phone layout: resume.e2e.test.ts, beside it.)
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { headersFor, readHeaderRules } from '../page-headers.ts'
import { cardTexts, hasBrowser, headings, requireBrowser, RESULTS, sightings, statusLine, turnDone, usePage } from './page-harness.ts'
import { call, origin } from './server-client.ts'

const README_SCREENSHOT = fileURLToPath(new URL('../screenshot.png', import.meta.url))
/** The page's headers as netlify.toml sets them on Netlify; the dev server sends the same. */
const PAGE_HEADERS = headersFor(readHeaderRules(), '/')
const PROMPT = 'How do long polls compare with server-sent events?'
const FOLLOW_UP = 'Which one would you pick for a chat app?'
const FOLLOW_UP_MEMORY = "This is a follow-up: I see my own earlier answer in this chat, and none of the other models'."
/** The columns: the three providers' defaults, then the OpenAI model the test adds. */
const COLUMNS = ['openai', 'anthropic', 'gemini', 'openai-2']

requireBrowser()

describe.skipIf(!hasBrowser)('the comparison page in Chromium, against npm start in demo mode', () => {
  // Tall enough for a whole answer card, metrics and cost included, in a column (70vh) of the README's screenshot.
  const session = usePage({ width: 1280, height: 1100 })
  let page: Page
  beforeAll(() => {
  })
  let chatId = ''

  it('opens under the production CSP and page headers, in demo mode, with a column per provider', async () => {
    page = session.page()
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

  it('ran without a CSP violation or a page error, and never had two status requests in flight', () => {
    session.expectRanCleanly()
  })
})
