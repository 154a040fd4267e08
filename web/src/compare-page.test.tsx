import { fireEvent, screen, within } from '@testing-library/preact'
import { http, HttpResponse } from 'msw'
import { describe, expect, it, vi } from 'vitest'
import { apiError, CHAT_ID, installApi, server, useApiServer } from './testing/api-server.ts'
import { cancelled, done, failed, modelsDoc, queued, statusDoc, streaming } from './testing/fixtures.ts'
import { renderApp, usePageTests, wait } from './testing/render-app.tsx'

useApiServer()
usePageTests()

const card = (provider: string) => document.querySelector<HTMLElement>(`.card[data-provider="${provider}"]`)!
const chatStatusLine = () => document.querySelector('.chat-status [role="status"]')?.textContent ?? ''
const promptBox = () => screen.getByLabelText('Prompt') as HTMLTextAreaElement
const type = (element: HTMLElement, value: string) => fireEvent.input(element, { target: { value } })

describe('the composer', () => {
  it('offers each provider with its models, and disables unconfigured ones with the reason', async () => {
    installApi({
      models: modelsDoc({
        providers: [
          { id: 'openai', label: 'OpenAI', configured: false, reason: 'no OPENAI_API_KEY', defaultModel: 'gpt-5-mini', models: ['gpt-5-mini'] },
          { id: 'anthropic', label: 'Anthropic', configured: true, defaultModel: 'claude-sonnet-4-6', models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] },
        ],
      }),
    })
    renderApp()
    await wait(50)

    const openai = screen.getByLabelText('OpenAI') as HTMLInputElement
    expect(openai.disabled).toBe(true)
    expect(openai.checked).toBe(false)
    expect(openai.getAttribute('aria-describedby')).toBe('why-openai')
    expect(screen.getByText('Unavailable: no OPENAI_API_KEY')).toBeTruthy()
    expect((screen.getByLabelText('Anthropic') as HTMLInputElement).checked).toBe(true)
    const models = screen.getByLabelText('Anthropic model') as HTMLSelectElement
    expect([...models.options].map((option) => option.value)).toEqual(['claude-sonnet-4-6', 'claude-haiku-4-5'])
    expect(screen.queryByRole('note')).toBeNull()
  })

  it('announces demo mode in a banner', async () => {
    installApi({ models: modelsDoc({ demo: true }) })
    renderApp()
    await wait(50)
    expect(screen.getByRole('note').textContent).toMatch(/^Demo mode: simulated providers answer/)
  })

  it('sends on Enter with the chosen providers, models and options; Shift+Enter does not send', async () => {
    const api = installApi({ steps: [statusDoc({ anthropic: queued('anthropic'), gemini: queued('gemini') })] })
    renderApp()
    await wait(50)

    fireEvent.click(screen.getByLabelText('OpenAI'))
    fireEvent.change(screen.getByLabelText('Anthropic model'), { target: { value: 'claude-haiku-4-5' } })
    type(screen.getByLabelText('System prompt'), 'Answer in French.')
    type(screen.getByLabelText('Temperature'), '0.3')
    type(promptBox(), 'Bonjour')
    fireEvent.keyDown(promptBox(), { key: 'Enter', shiftKey: true })
    await wait(50)
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(0)

    fireEvent.keyDown(promptBox(), { key: 'Enter' })
    await wait(50)
    const posts = api.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(1)
    expect(posts[0]!.body).toEqual({
      message: 'Bonjour',
      models: { anthropic: 'claude-haiku-4-5', gemini: 'gemini-2.5-flash' },
      system: 'Answer in French.',
      temperature: 0.3,
    })
    expect(promptBox().value).toBe('')
    expect(window.location.search).toBe(`?chat=${CHAT_ID}`)
  })

  it('disables the submit button while the POST is in flight', async () => {
    installApi({ steps: [statusDoc({ openai: queued('openai') })] })
    let release: () => void = () => {}
    server.use(
      http.post('/api/ai/chat', async () => {
        await new Promise<void>((resolve) => (release = resolve))
        return HttpResponse.json({ success: true, chatId: CHAT_ID, status: 'pending', statusUrl: `/api/ai/chat/${CHAT_ID}` }, { status: 202 })
      }),
    )
    renderApp()
    await wait(50)
    const submit = screen.getByRole('button', { name: 'Compare' }) as HTMLButtonElement
    expect(submit.disabled).toBe(true) // nothing typed yet
    type(promptBox(), 'Hello')
    expect(submit.disabled).toBe(false)

    fireEvent.click(submit)
    await wait(50)
    expect((screen.getByRole('button', { name: 'Sending…' }) as HTMLButtonElement).disabled).toBe(true)
    release()
    await wait(50)
    expect(screen.getByRole('button', { name: 'Compare' })).toBeTruthy()
  })

  it('shows the server’s message when it refuses the chat', async () => {
    installApi()
    server.use(http.post('/api/ai/chat', () => apiError(400, 'invalid_request', '"temperature" must be a number from 0 to 2.')))
    renderApp()
    await wait(50)
    type(promptBox(), 'Hello')
    fireEvent.keyDown(promptBox(), { key: 'Enter' })
    await wait(50)
    expect(screen.getByRole('alert').textContent).toBe('"temperature" must be a number from 0 to 2.')
    expect(promptBox().value).toBe('Hello')
  })
})

describe('the cards', () => {
  it('go from queued to streaming to done, each with its own state', async () => {
    vi.setSystemTime(new Date('2026-11-29T12:00:00.300Z')) // OpenAI's call starts at 12:00:00.200
    installApi({
      steps: [
        statusDoc({ openai: queued('openai'), anthropic: queued('anthropic'), gemini: queued('gemini') }),
        { doc: statusDoc({ openai: streaming('openai', 'The answer **so far**'), anthropic: queued('anthropic'), gemini: queued('gemini') }), holdMs: 200 },
        {
          doc: statusDoc({
            openai: done('openai', 'The answer **so far** and more.'),
            anthropic: done('anthropic', 'Cut off mid', { finishReason: 'length' }),
            gemini: done('gemini', 'Gemini says hi.'),
          }),
          holdMs: 2500,
        },
      ],
    })
    renderApp()
    await wait(50)
    type(promptBox(), 'Compare these models')
    fireEvent.keyDown(promptBox(), { key: 'Enter' })
    await wait(10)

    expect([...document.querySelectorAll('.card')].map((element) => element.getAttribute('data-provider'))).toEqual([
      'openai',
      'anthropic',
      'gemini',
    ])
    expect(card('anthropic').textContent).toContain('Waiting for Anthropic to start…')
    expect(chatStatusLine()).toBe('Waiting for the providers to start…')

    await wait(250)
    expect(card('openai').dataset.status).toBe('streaming')
    expect(card('openai').querySelector('.md strong')?.textContent).toBe('so far')
    expect(card('openai').querySelector('.elapsed')?.textContent).toBe('0 s')
    expect(card('anthropic').dataset.status).toBe('queued')
    expect(chatStatusLine()).toBe('Answers are arriving: 0 of 3 done.')
    await wait(2000) // the ticker moves the elapsed counter while the next poll is held
    expect(card('openai').querySelector('.elapsed')?.textContent).toBe('2 s')

    await wait(500)
    for (const provider of ['openai', 'anthropic', 'gemini']) expect(card(provider).dataset.status).toBe('done')
    const metrics = within(card('openai'))
    expect(metrics.getByText('Tokens in / out').nextElementSibling?.textContent).toBe('12 / 240')
    expect(metrics.getByText('First token').nextElementSibling?.textContent).toBe('700 ms')
    expect(metrics.getByText('Total').nextElementSibling?.textContent).toBe('2.8 s')
    expect(metrics.getByText('Speed').nextElementSibling?.textContent).toBe('114 tokens/s')
    expect(metrics.getByText('Model').nextElementSibling?.textContent).toBe('gpt-5-mini')
    expect(card('anthropic').textContent).toContain('Cut off: the answer reached the limit of 4096 tokens.')
    expect(card('openai').textContent).not.toContain('Cut off')
    expect(chatStatusLine()).toBe('All answers are in.')
  })

  it('show one provider’s error in words, with a retry button, while the others finish', async () => {
    installApi({
      steps: [
        statusDoc({ openai: streaming('openai', 'Going'), anthropic: failed('anthropic', 'rate_limited', 'Anthropic answered 429 Too Many Requests.'), gemini: queued('gemini') }),
        {
          doc: statusDoc({ openai: done('openai', 'Done here.'), anthropic: failed('anthropic', 'rate_limited', 'Anthropic answered 429 Too Many Requests.'), gemini: done('gemini', 'And here.') }),
          holdMs: 500,
        },
      ],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    expect(card('anthropic').dataset.status).toBe('error')
    expect(card('anthropic').querySelector('.headline')?.textContent).toBe('Rate limited by Anthropic — try again in a minute')
    expect(card('anthropic').querySelector('.detail')?.textContent).toBe('Anthropic answered 429 Too Many Requests.')
    expect(within(card('anthropic')).getByRole('button', { name: 'Retry Anthropic' })).toBeTruthy()
    expect(card('openai').textContent).toContain('Going')
    expect(within(card('openai')).queryByRole('button', { name: /Retry/ })).toBeNull()

    await wait(550)
    expect(card('openai').dataset.status).toBe('done')
    expect(card('gemini').dataset.status).toBe('done')
    expect(card('anthropic').dataset.status).toBe('error')
    expect(chatStatusLine()).toBe('Finished: 2 of 3 answered.')
  })

  it('render a model’s HTML harmlessly: no script element, no event handler attribute', async () => {
    const hostile = [
      'Here you go <script>window.pwned = true</script>',
      '',
      '<img src=x onerror="window.pwned = true"> and <a href="javascript:alert(1)" onclick="alert(1)">a link</a>',
      '',
      '<iframe src="https://evil.example"></iframe><div style="position:fixed">styled</div>',
    ].join('\n')
    installApi({ steps: [statusDoc({ openai: done('openai', hostile) })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    const answer = card('openai').querySelector('.md')!
    expect(answer.classList.contains('plain')).toBe(false) // rendered as Markdown, not as text
    expect(answer.textContent).toContain('Here you go')
    expect(document.querySelectorAll('script, iframe')).toHaveLength(0)
    expect(answer.querySelector('img')).not.toBeNull()
    for (const element of document.querySelectorAll('*')) {
      for (const attribute of element.getAttributeNames()) expect(attribute).not.toMatch(/^on|^style$/)
    }
    expect(answer.querySelector('a')?.getAttribute('href') ?? '').not.toMatch(/javascript:/i)
    expect((window as { pwned?: boolean }).pwned).toBeUndefined()
  })

  it('copy the Markdown source of an answer', async () => {
    const writeText = vi.fn(async () => {})
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    installApi({ steps: [statusDoc({ gemini: done('gemini', '# Title\n\n`code`') })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    fireEvent.click(within(card('gemini')).getByRole('button', { name: 'Copy Markdown' }))
    await wait(10)
    expect(writeText).toHaveBeenCalledWith('# Title\n\n`code`')
    expect(within(card('gemini')).getByRole('button', { name: 'Copied' })).toBeTruthy()
  })
})

describe('cancel and retry', () => {
  it('Cancel posts to the chat’s cancel endpoint, and the cards show what was cancelled', async () => {
    const api = installApi({ steps: [statusDoc({ openai: streaming('openai', 'Half an'), anthropic: queued('anthropic') })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    api.push({ doc: statusDoc({ openai: cancelled('openai', 'Half an'), anthropic: { ...queued('anthropic'), status: 'cancelled' } }), holdMs: 300 })
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    await wait(20)
    const cancels = api.requests.filter((r) => r.method === 'POST')
    expect(cancels.map((r) => r.url.pathname)).toEqual([`/api/ai/chat/${CHAT_ID}/cancel`])
    expect((screen.getByRole('button', { name: 'Cancelling…' }) as HTMLButtonElement).disabled).toBe(true)

    await wait(2000)
    expect(card('openai').dataset.status).toBe('cancelled')
    expect(card('openai').textContent).toContain('Half an')
    expect(card('openai').textContent).toContain('Cancelled: the text above is what arrived before.')
    expect(card('anthropic').textContent).toContain('Cancelled before any text arrived.')
    expect(screen.queryByRole('button', { name: /Cancel/ })).toBeNull()
    expect(chatStatusLine()).toBe('Finished: no provider answered.')
  })

  it('Retry posts the provider to the retry endpoint and follows the new attempt to its end', async () => {
    const api = installApi({
      steps: [statusDoc({ openai: done('openai', 'Fine.'), anthropic: failed('anthropic', 'overloaded', 'Anthropic is overloaded (529).') })],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(api.statusRequests()).toHaveLength(1) // completed: no more polling

    api.push(
      statusDoc({ openai: done('openai', 'Fine.'), anthropic: queued('anthropic', 2) }),
      statusDoc({ openai: done('openai', 'Fine.'), anthropic: { ...done('anthropic', 'Second time lucky.'), attempt: 2 } }),
    )
    fireEvent.click(within(card('anthropic')).getByRole('button', { name: 'Retry Anthropic' }))
    await wait(5)
    const retries = api.requests.filter((r) => r.method === 'POST')
    expect(retries.map((r) => [r.url.pathname, r.body])).toEqual([[`/api/ai/chat/${CHAT_ID}/retry`, { provider: 'anthropic' }]])

    await wait(50)
    expect(card('anthropic').dataset.status).toBe('done')
    expect(card('anthropic').textContent).toContain('Second time lucky.')
    expect(card('anthropic').textContent).toContain('attempt 2')
    expect(chatStatusLine()).toBe('All answers are in.')
  })

  it('shows why a retry was refused', async () => {
    installApi({ steps: [statusDoc({ openai: failed('openai', 'auth', 'OpenAI rejected the API key (401).') })] })
    server.use(http.post('/api/ai/chat/:id/retry', () => apiError(409, 'conflict', 'OpenAI is streaming; only a provider that failed or was cancelled can be retried.')))
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(card('openai').querySelector('.headline')?.textContent).toBe('OpenAI refused the API key — check the key set on the server')
    fireEvent.click(within(card('openai')).getByRole('button', { name: 'Retry OpenAI' }))
    await wait(20)
    expect(screen.getByRole('alert').textContent).toBe('OpenAI is streaming; only a provider that failed or was cancelled can be retried.')
  })
})

describe('the access token', () => {
  it('is asked for on a 401, kept, and sent on every call after; a later 401 asks again', async () => {
    const api = installApi({ steps: [statusDoc({ openai: done('openai', 'ok') })] })
    let accepted = 'first-token'
    server.use(
      http.all('/api/*', ({ request }) => {
        if (request.headers.get('authorization') !== `Bearer ${accepted}`) {
          return apiError(401, 'unauthorized', 'This server needs an access token.')
        }
        return undefined // fall through to the API
      }),
    )
    renderApp()
    await wait(100)
    expect(screen.getByRole('heading', { name: 'Access token needed' })).toBeTruthy()
    expect(document.activeElement).toBe(screen.getByLabelText('Access token'))
    expect(screen.queryByLabelText('OpenAI')).toBeNull() // the models wait for the token

    type(screen.getByLabelText('Access token'), 'first-token')
    fireEvent.submit(screen.getByLabelText('Access token').closest('form')!)
    await wait(20)
    expect(screen.queryByRole('heading', { name: 'Access token needed' })).toBeNull()
    expect(screen.getByLabelText('OpenAI')).toBeTruthy()
    expect(localStorage.getItem('ai-chat:token')).toBe('first-token')

    accepted = 'second-token'
    type(promptBox(), 'Hi')
    fireEvent.keyDown(promptBox(), { key: 'Enter' })
    await wait(20)
    expect(screen.getByRole('alert').textContent).toMatch(/refused the access token/)
    type(screen.getByLabelText('Access token'), 'second-token')
    fireEvent.submit(screen.getByLabelText('Access token').closest('form')!)
    await wait(50)

    const posts = api.requests.filter((r) => r.method === 'POST')
    expect(posts.map((r) => r.authorization)).toEqual(['Bearer second-token'])
    expect(api.statusRequests()[0]!.authorization).toBe('Bearer second-token')
    expect(card('openai').dataset.status).toBe('done')
  })
})

describe('permalinks and recent chats', () => {
  it('resume a running chat from ?chat=<id> and remember it', async () => {
    const api = installApi({
      steps: [statusDoc({ openai: streaming('openai', 'Resumed') }), statusDoc({ openai: done('openai', 'Resumed and done') })],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(50)
    expect(api.statusRequests()[0]!.url.pathname).toBe(`/api/ai/chat/${CHAT_ID}`)
    expect(card('openai').textContent).toContain('Resumed and done')
    expect(screen.getByRole('heading', { level: 2, name: 'Compare these models' })).toBeTruthy()
    const recent = within(screen.getByRole('navigation', { name: 'Recent chats' }))
    expect(recent.getByRole('link', { name: 'Compare these models' }).getAttribute('href')).toBe(`?chat=${CHAT_ID}`)
  })

  it('say clearly when the chat does not exist (404)', async () => {
    installApi({ steps: [{ status: 404, code: 'not_found', message: 'No chat with this id.' }] })
    renderApp('/?chat=unknown-id')
    await wait(20)
    expect(chatStatusLine()).toBe('No chat was found at this link. Check the address, or ask a new question. No chat with this id.')
    expect(document.querySelector('.cards')).toBeNull()
    expect(screen.getByLabelText('Prompt')).toBeTruthy()
  })

  it('say clearly when the chat has expired (410), and mark it expired in the recent list', async () => {
    localStorage.setItem('ai-chat:recent', JSON.stringify([{ id: CHAT_ID, prompt: 'An old question', createdAt: '2026-11-28T09:00:00.000Z' }]))
    const api = installApi({ steps: [{ status: 410, code: 'expired', message: 'This chat expired at 10:00 UTC.' }] })
    renderApp()
    await wait(20)
    const recent = within(screen.getByRole('navigation', { name: 'Recent chats' }))
    expect(recent.queryByText('expired')).toBeNull()

    fireEvent.click(recent.getByRole('link', { name: 'An old question' }))
    await wait(20)
    expect(api.statusRequests()).toHaveLength(1)
    expect(window.location.search).toBe(`?chat=${CHAT_ID}`)
    expect(chatStatusLine()).toBe(
      'This chat has expired: results are kept for a limited time and these are gone. This chat expired at 10:00 UTC.',
    )
    expect(recent.getByText('expired')).toBeTruthy()
    expect(JSON.parse(localStorage.getItem('ai-chat:recent')!)[0].gone).toBe(true)
  })

  it('keep earlier chats of the session above the new one', async () => {
    installApi({ steps: [statusDoc({ openai: done('openai', 'First answer') }, { chatId: 'first-chat', request: { message: 'First', maxTokens: 4096 } })] })
    renderApp('/?chat=first-chat')
    await wait(20)
    type(promptBox(), 'Second')
    fireEvent.keyDown(promptBox(), { key: 'Enter' })
    await wait(20)
    const headings = screen.getAllByRole('heading', { level: 2 }).map((heading) => heading.textContent)
    expect(headings.slice(0, 2)).toEqual(['First', 'Second'])
    expect(document.querySelectorAll('.chat')).toHaveLength(2)
    expect(window.location.search).toBe(`?chat=${CHAT_ID}`)
  })
})
