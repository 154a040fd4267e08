import { fireEvent, screen, within } from '@testing-library/preact'
import { http, HttpResponse } from 'msw'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WAIT_MS } from './api.ts'
import { blindOrder } from './blind.ts'
import { diffViews } from './components/chat-view.tsx'
import { CHAT_ID, installApi, server, useApiServer } from './testing/api-server.ts'
import { conversationDoc, done, OTHER_CHAT_ID, queued, statusDoc, streaming } from './testing/fixtures.ts'
import { announcement, card, chatStatusLine, column, followUpBox, headings, order, type } from './testing/page-queries.ts'
import { countRenders, setupBench, timeStreamedUpdate, type Bench } from './testing/render-bench.tsx'
import { renderApp, usePageTests, wait } from './testing/render-app.tsx'
import { fold, FOLD_WORDS, wordDiff } from './word-diff.ts'

useApiServer()
usePageTests()


const three = () => statusDoc({ openai: done('openai', 'One.'), anthropic: done('anthropic', 'Two.'), gemini: done('gemini', 'Three.') })
const firstTurn = { message: 'Name a colour.', results: { openai: done('openai', 'Blue.'), anthropic: done('anthropic', 'Green.') } }

describe('a conversation', () => {
  it('shows each participant as a column holding its own turns: the user’s messages and its answers', async () => {
    installApi({
      steps: [
        conversationDoc([
          firstTurn,
          { message: 'Why that one?', results: { openai: done('openai', 'It is calm.'), anthropic: done('anthropic', 'It is fresh.') } },
        ]),
      ],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    const exchanges = [...column('anthropic').querySelectorAll('.exchange')].map((exchange) => [
      exchange.querySelector('.said')?.textContent,
      exchange.querySelector('.md')?.textContent?.trim(),
    ])
    expect(exchanges).toEqual([
      ['You asked: Name a colour.', 'Green.'],
      ['You asked: Why that one?', 'It is fresh.'],
    ])
    expect(card('openai', 2)?.textContent).toContain('It is calm.')
    expect(screen.getAllByRole('heading', { level: 2 })[0]!.textContent).toBe('Name a colour.')
    expect(chatStatusLine()).toBe('Turn 2: All answers are in.')
    expect(within(column('openai')).getByRole('region', { name: 'Conversation with OpenAI' })).toBeTruthy()
  })

  it('sends a follow-up to every column (Enter sends, Shift+Enter does not) and follows the new turn', async () => {
    const api = installApi({ steps: [conversationDoc([firstTurn])] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(api.statusRequests()).toHaveLength(1) // final: no polling

    type(followUpBox(), 'And a fruit?')
    fireEvent.keyDown(followUpBox(), { key: 'Enter', shiftKey: true })
    await wait(20)
    expect(api.posts()).toHaveLength(0)

    api.push(
      conversationDoc([firstTurn, { message: 'And a fruit?', results: { openai: streaming('openai', 'Ban'), anthropic: queued('anthropic') } }]),
      conversationDoc([firstTurn, { message: 'And a fruit?', results: { openai: done('openai', 'Banana.'), anthropic: done('anthropic', 'Apple.') } }]),
    )
    fireEvent.keyDown(followUpBox(), { key: 'Enter' })
    await wait(5)
    const [post] = api.posts()
    expect([post!.url.pathname, post!.body]).toEqual([`/api/ai/chat/${CHAT_ID}/messages`, { message: 'And a fruit?' }])
    expect(followUpBox().value).toBe('')

    await wait(50)
    expect(card('openai', 2)?.textContent).toContain('Banana.')
    expect(card('anthropic', 2)?.textContent).toContain('Apple.')
    expect(card('openai', 1)?.textContent).toContain('Blue.') // kept from the first document
    expect(chatStatusLine()).toBe('Turn 2: All answers are in.')
  })

  it('continues with the checked columns only', async () => {
    const api = installApi({ steps: [conversationDoc([firstTurn])] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    fireEvent.click(within(column('anthropic')).getByLabelText(/Continue with this one/))
    expect(screen.getByRole('button', { name: 'Send to 1 of 2' })).toBeTruthy()
    api.push(
      conversationDoc([firstTurn, { message: 'Only you: a fruit?', results: { openai: done('openai', 'Banana.') } }], {
        participants: [
          { id: 'openai', provider: 'openai', model: 'gpt-5-mini', params: { model: 'gpt-5-mini', maxTokens: 4096 } },
          { id: 'anthropic', provider: 'anthropic', model: 'claude-sonnet-4-6', params: { model: 'claude-sonnet-4-6', maxTokens: 4096 } },
        ],
      }),
    )
    type(followUpBox(), 'Only you: a fruit?')
    fireEvent.click(screen.getByRole('button', { name: 'Send to 1 of 2' }))
    await wait(50)

    expect(api.posts()[0]!.body).toEqual({ message: 'Only you: a fruit?', participants: ['openai'] })
    expect(card('openai', 2)?.textContent).toContain('Banana.')
    expect(card('anthropic', 2)).toBeNull()
    expect(column('anthropic').textContent).toContain('Not asked in turn 2.')
  })

  it('refuses a follow-up, saying why, while a turn runs', async () => {
    const api = installApi({
      steps: [conversationDoc([{ message: 'Name a colour.', results: { openai: streaming('openai', 'Bl'), anthropic: queued('anthropic') } }])],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    type(followUpBox(), 'Next?')
    const button = screen.getByRole('button', { name: 'Send to all' })
    expect(button.getAttribute('aria-disabled')).toBe('true')
    const why = document.getElementById(button.getAttribute('aria-describedby')!)!
    expect(why.textContent).toBe('Wait until every answer of this turn is in (or cancel it) before sending a follow-up.')
    fireEvent.keyDown(followUpBox(), { key: 'Enter' })
    fireEvent.click(button)
    await wait(20)
    expect(api.posts()).toHaveLength(0)
  })

  it('asks for the whole chat once, then polls for the latest turn only, keeping the earlier answers it has', async () => {
    const running = [firstTurn, { message: 'Why?', results: { openai: streaming('openai', 'Bec'), anthropic: queued('anthropic') } }]
    const first = conversationDoc(running)
    const api = installApi({
      steps: [
        first,
        { doc: conversationDoc([firstTurn, { message: 'Why?', results: { openai: done('openai', 'Because.'), anthropic: done('anthropic', 'Why not.') } }]), holdMs: 300 },
      ],
    })
    // A reload in the middle of turn 2.
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(card('openai', 2)?.dataset.status).toBe('streaming')
    expect(card('anthropic', 1)?.textContent).toContain('Green.')

    await wait(400)
    const urls = api.statusRequests().map((r) => r.url.search)
    expect(urls[0]).toBe('')
    expect(urls[1]).toBe(`?since=${first.version}&wait=${WAIT_MS}&turns=latest`)
    // The second document held no results for turn 1 (turns=latest): the first ones stay.
    expect(card('anthropic', 1)?.textContent).toContain('Green.')
    expect(card('openai', 2)?.textContent).toContain('Because.')
    expect(chatStatusLine()).toBe('Turn 2: All answers are in.')
  })

  it('expands a column to the full width and back', async () => {
    installApi({ steps: [conversationDoc([firstTurn])] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    fireEvent.click(within(column('openai')).getByRole('button', { name: 'Expand (OpenAI)' }))
    expect(column('openai').classList.contains('expanded')).toBe(true)
    expect(document.querySelector('.columns')?.classList.contains('has-expanded')).toBe(true)
    const back = within(column('openai')).getByRole('button', { name: 'Show all columns (OpenAI)' })
    expect(back.getAttribute('aria-pressed')).toBe('true')
    fireEvent.click(back)
    expect(column('openai').classList.contains('expanded')).toBe(false)
  })

  it('sends the follow-up with an Idempotency-Key and retries a 5xx with the same key: one turn', async () => {
    const api = installApi({ steps: [conversationDoc([firstTurn])], postFaults: [503] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    type(followUpBox(), 'Again?')
    fireEvent.keyDown(followUpBox(), { key: 'Enter' })
    await wait(600)
    const posts = api.posts()
    expect(posts).toHaveLength(2)
    expect(posts[0]!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/)
    expect(posts[1]!.idempotencyKey).toBe(posts[0]!.idempotencyKey)
    expect(api.turnsCreated).toBe(1)
    expect(card('openai', 2)).not.toBeNull()
  })
})


describe('blind mode', () => {
  it('shuffles the columns by chat, names them A, B, C, and hides providers, models and costs until a pick', async () => {
    localStorage.setItem('ai-chat:blind', JSON.stringify([CHAT_ID]))
    const api = installApi({ steps: [three()] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    const shuffled = blindOrder(CHAT_ID, [{ id: 'openai' }, { id: 'anthropic' }, { id: 'gemini' }]).map((item) => item.id)
    expect(order()).toEqual(shuffled)
    expect(headings()).toEqual(['Model A', 'Model B', 'Model C'])
    const text = document.querySelector<HTMLElement>('.chat')!.textContent!
    for (const secret of ['OpenAI', 'Anthropic', 'Gemini', 'gpt-5-mini', 'claude', '$0.0012', 'total cost', 'Cost']) expect(text).not.toContain(secret)
    expect(document.querySelector<HTMLElement>('.chat')!.querySelectorAll('[data-provider]')).toHaveLength(0)

    const second = shuffled[1]!
    fireEvent.click(within(card(second)).getByRole('button', { name: 'Best (turn 1, Model B)' }))
    await wait(20)
    expect(api.posts().map((r) => [r.method, r.url.pathname, r.body])).toEqual([
      ['POST', `/api/ai/chat/${CHAT_ID}/turns/1/pick`, { participant: second }],
    ])
    // Revealed, in the same places.
    expect(order()).toEqual(shuffled)
    const names: Record<string, string> = { openai: 'OpenAI', anthropic: 'Anthropic', gemini: 'Gemini' }
    expect(headings()).toEqual(shuffled.map((id) => names[id]))
    expect(document.querySelector<HTMLElement>('.chat')!.textContent).toContain('$0.0012')
    expect(document.querySelector<HTMLElement>('.chat')!.textContent).toContain('total cost $0.0036')
    expect(screen.getByLabelText('Blind (revealed)')).toBeTruthy()
  })

  it('keeps one order per chat, whatever order the participants come in', () => {
    const items = ['openai', 'anthropic', 'gemini', 'openai-2'].map((id) => ({ id }))
    const once = blindOrder(CHAT_ID, items)
    expect(blindOrder(CHAT_ID, [...items].reverse())).toEqual(once)
    expect(blindOrder(CHAT_ID, items)).toEqual(once)
    const others = ['1', '2', '3', '4', '5'].map((n) => blindOrder(OTHER_CHAT_ID.replace(/.$/, n), items).map((item) => item.id).join())
    expect(new Set([once.map((item) => item.id).join(), ...others]).size).toBeGreaterThan(1)
  })

  it('is switched per chat and remembered for it', async () => {
    installApi({ steps: [three()] })
    const first = renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(headings()).toEqual(['OpenAI', 'Anthropic', 'Gemini'])
    fireEvent.click(screen.getByLabelText('Blind'))
    expect(headings()).toEqual(['Model A', 'Model B', 'Model C'])
    expect(JSON.parse(localStorage.getItem('ai-chat:blind')!)).toEqual([CHAT_ID])
    first.unmount()

    installApi({ steps: [three()] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(headings()).toEqual(['Model A', 'Model B', 'Model C'])
  })
})

describe('picking the best answer', () => {
  it('posts the pick, marks the answer, and clears it with DELETE', async () => {
    const api = installApi({ steps: [three()] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    fireEvent.click(within(card('anthropic')).getByRole('button', { name: 'Best (turn 1, Anthropic)' }))
    await wait(20)
    const best = within(card('anthropic')).getByRole('button', { name: 'Best answer (turn 1, Anthropic)' })
    expect(best.getAttribute('aria-pressed')).toBe('true')
    expect(card('anthropic').classList.contains('picked')).toBe(true)
    expect(announcement()).toBe('Anthropic is marked as the best answer of turn 1.')

    fireEvent.click(best)
    await wait(20)
    expect(api.posts().map((r) => [r.method, r.url.pathname])).toEqual([
      ['POST', `/api/ai/chat/${CHAT_ID}/turns/1/pick`],
      ['DELETE', `/api/ai/chat/${CHAT_ID}/turns/1/pick`],
    ])
    expect(card('anthropic').classList.contains('picked')).toBe(false)
  })

  it('shows the pick each turn document carries', async () => {
    installApi({
      steps: [
        conversationDoc([
          { message: 'One?', results: { openai: done('openai', 'a'), anthropic: done('anthropic', 'b') }, pick: 'anthropic' },
          { message: 'Two?', results: { openai: done('openai', 'c'), anthropic: done('anthropic', 'd') }, pick: 'openai' },
        ]),
      ],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(card('anthropic', 1).querySelector('.best-mark')?.textContent).toBe('Best')
    expect(card('openai', 1).querySelector('.best-mark')).toBeNull()
    expect(card('openai', 2).querySelector('.best-mark')).not.toBeNull()
  })
})

/** Waits for the lazy chunks the page asked for (the diff view, the export helpers), then for the page. */
async function loadChunks() {
  await Promise.all([diffViews.load(), import('./export-chat.ts')])
  await wait(10)
}

describe('the word diff', () => {
  it('is loaded only when opened, and shows insertions, deletions and the share of words in common', async () => {
    installApi({
      steps: [
        statusDoc({
          openai: done('openai', 'The quick brown fox jumps over the lazy dog.'),
          anthropic: done('anthropic', 'The quick red fox leaps over the lazy dog.'),
          gemini: done('gemini', 'Something else entirely'),
        }),
      ],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(diffViews.current.value).toBeNull()

    fireEvent.click(screen.getByRole('button', { name: 'Compare two answers' }))
    expect(screen.getByText('Loading the comparison…')).toBeTruthy()
    await loadChunks()
    expect(diffViews.current.value).not.toBeNull()

    const view = within(screen.getByRole('region', { name: 'Differences between two answers' }))
    expect([...document.querySelectorAll('.diff-text del')].map((element) => element.textContent)).toEqual(['brown', 'jumps'])
    expect([...document.querySelectorAll('.diff-text ins')].map((element) => element.textContent)).toEqual(['red', 'leaps'])
    // 7 of 9 words in each answer are shared.
    expect(view.getByText('78% similar')).toBeTruthy()
    expect(document.activeElement?.textContent).toBe('Differences between two answers')

    fireEvent.change(view.getByLabelText('To'), { target: { value: 'gemini' } })
    expect(view.getByText('0% similar')).toBeTruthy()
    fireEvent.click(view.getByRole('button', { name: 'Close the comparison' }))
    expect(screen.queryByRole('region', { name: 'Differences between two answers' })).toBeNull()
  })

  it('compares two answers of the chosen turn', async () => {
    installApi({
      steps: [
        conversationDoc([
          { message: 'One?', results: { openai: done('openai', 'alpha beta'), anthropic: done('anthropic', 'alpha beta') } },
          { message: 'Two?', results: { openai: done('openai', 'gamma'), anthropic: done('anthropic', 'delta') } },
        ]),
      ],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    fireEvent.click(screen.getByRole('button', { name: 'Compare two answers' }))
    await loadChunks()
    const view = within(screen.getByRole('region', { name: 'Differences between two answers' }))
    expect(view.getByText('0% similar')).toBeTruthy() // the latest turn first
    fireEvent.change(view.getByLabelText('Turn'), { target: { value: '1' } })
    expect(view.getByText('100% similar')).toBeTruthy()
  })

  it('folds long unchanged runs and opens them on request', async () => {
    const shared = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ')
    installApi({ steps: [statusDoc({ openai: done('openai', `Start ${shared} end`), anthropic: done('anthropic', `Begin ${shared} end`) })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    fireEvent.click(screen.getByRole('button', { name: 'Compare two answers' }))
    await loadChunks()
    const unfold = screen.getByRole('button', { name: '… 37 unchanged words …' })
    expect(document.querySelector('.diff-text')?.textContent).not.toContain('word30')
    fireEvent.click(unfold)
    expect(document.querySelector('.diff-text')?.textContent).toContain('word30')
    fireEvent.click(screen.getByRole('button', { name: 'fold' }))
    expect(document.querySelector('.diff-text')?.textContent).not.toContain('word30')
  })

  it('measures similarity as the share of words in common', () => {
    expect(wordDiff('a b c d', 'a b c d').similarity).toBe(1)
    expect(wordDiff('a b c d', 'e f g h').similarity).toBe(0)
    expect(wordDiff('a b c d', 'a b x y').similarity).toBe(0.5)
    expect(wordDiff('', '').similarity).toBe(1)
    expect(fold(Array(FOLD_WORDS).fill('w').join(' '))).toBeNull()
    const folded = fold(` ${Array(50).fill('w').join(' ')} `)!
    expect(folded.hiddenWords).toBe(26)
    expect(folded.head + folded.hidden + folded.tail).toBe(` ${Array(50).fill('w').join(' ')} `)
  })
})

describe('export', () => {
  it.each([
    ['Export Markdown', 'md'],
    ['Export JSON', 'json'],
  ])('%s downloads the server’s export under the name it gives', async (button, format) => {
    const api = installApi({ steps: [statusDoc({ openai: done('openai', 'x') })] })
    const createObjectURL = vi.fn(() => 'blob:export')
    const revokeObjectURL = vi.fn()
    Object.assign(URL, { createObjectURL, revokeObjectURL })
    const clicked: HTMLAnchorElement[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this)
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    fireEvent.click(screen.getByRole('button', { name: button }))
    await loadChunks()
    expect(api.requests.filter((r) => r.url.pathname.endsWith('/export')).map((r) => r.url.search)).toEqual([`?format=${format}`])
    expect(clicked.map((link) => [link.download, link.href])).toEqual([[`compare-these-models-2026-11-29.${format}`, 'blob:export']])
    expect(createObjectURL).toHaveBeenCalledTimes(1)
    expect(announcement()).toBe(`Downloading compare-these-models-2026-11-29.${format}.`)
  })

  it('says which action failed when the server cannot be reached', async () => {
    installApi({ steps: [statusDoc({ openai: done('openai', 'x') })] })
    server.use(http.get('/api/ai/chat/:id/export', () => HttpResponse.error()))
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    fireEvent.click(screen.getByRole('button', { name: 'Export Markdown' }))
    await wait(20)
    expect(screen.getByRole('alert').textContent).toBe('Could not export the chat as Markdown: the server could not be reached.')
  })

  it('copies every turn and answer as Markdown', async () => {
    const writeText = vi.fn(async () => {})
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    installApi({
      steps: [
        conversationDoc([
          { message: 'Name a colour.', results: { openai: done('openai', 'Blue.'), anthropic: done('anthropic', 'Green.') }, pick: 'anthropic' },
          { message: 'Why?', results: { openai: done('openai', 'Calm.') } },
        ]),
      ],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    fireEvent.click(screen.getByRole('button', { name: 'Copy all as Markdown' }))
    await loadChunks()
    expect(writeText).toHaveBeenCalledWith(
      [
        '# Name a colour.',
        '',
        '## Turn 1',
        '',
        '> Name a colour.',
        '',
        '### OpenAI (gpt-5-mini)',
        '',
        'Blue.',
        '',
        '### Anthropic (claude-sonnet-4-6) — best answer',
        '',
        'Green.',
        '',
        '## Turn 2',
        '',
        '> Why?',
        '',
        '### OpenAI (gpt-5-mini)',
        '',
        'Calm.',
        '',
      ].join('\n'),
    )
    expect(announcement()).toBe('The whole chat is copied as Markdown.')
  })
})

describe('a streamed update in a 20-turn × 4-column conversation', () => {
  let bench: Bench | undefined
  let counters: Array<ReturnType<typeof countRenders>> = []

  afterEach(() => {
    for (const counter of counters) counter.stop()
    counters = []
    bench?.dispose()
    bench = undefined
  })

  const count = (name: string, key: (props: Record<string, unknown>) => string) => {
    const counter = countRenders(name, key)
    counters.push(counter)
    return counter
  }

  it('redraws the card of the answer that grew, and no other card or column, within about a frame', async () => {
    bench = await setupBench(20, 4)
    const cards = count('AnswerCard', (props) => `${props.participant} turn ${(props.turn as { turn: number }).turn}`)
    const columns = count('Column', (props) => (props.participant as { id: string }).id)

    bench.update()
    expect([...cards.counts]).toEqual([['openai turn 20', 1]])
    expect(columns.total()).toBe(0)
    expect(bench.container.querySelector('.card[data-participant="openai"][data-turn="20"] .md')?.textContent).toContain('some bold')

    const times = Array.from({ length: 9 }, () => bench!.update()).sort((a, b) => a - b)
    expect([...cards.counts]).toEqual([['openai turn 20', 10]])
    // The target is 16 ms (one frame; `timeStreamedUpdate` measures it for the benchmark). jsdom is
    // slower than a browser and CI machines vary, so the test only guards against a regression.
    expect(times[4]).toBeLessThan(50)
  })

  it('can be timed by the benchmark', async () => {
    const { medianMs, maxMs } = await timeStreamedUpdate({ turns: 2, columns: 2, updates: 3 })
    expect(medianMs).toBeGreaterThan(0)
    expect(maxMs).toBeGreaterThanOrEqual(medianMs)
  })
})
