import { fireEvent, screen, within } from '@testing-library/preact'
import { http, HttpResponse } from 'msw'
import { describe, expect, it, vi } from 'vitest'
import { filenameOf } from './api.ts'
import { apiError, CHAT_ID, installApi, server, useApiServer } from './testing/api-server.ts'
import { cancelled, conversationDoc, done, failed, modelsDoc, OTHER_CHAT_ID, participant, queued, statusDoc, streaming } from './testing/fixtures.ts'
import { addModel, card, chatStatusLine, column, drafts, metric, promptBox, submitPrompt, type } from './testing/page-queries.ts'
import { renderApp, usePageTests, wait } from './testing/render-app.tsx'

useApiServer()
usePageTests()


describe('the composer', () => {
  it('starts with one column per configured provider, and shows unconfigured ones disabled with the reason', async () => {
    installApi({
      models: modelsDoc({
        providers: [
          { id: 'openai', label: 'OpenAI', configured: false, reason: 'no OPENAI_API_KEY', defaultModel: 'gpt-5-mini', models: ['gpt-5-mini'] },
          { id: 'anthropic', label: 'Anthropic', configured: true, defaultModel: 'claude-sonnet-4-6', models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] },
          { id: 'ollama', label: 'Ollama', configured: true, defaultModel: 'llama3.2', models: ['llama3.2'], compatible: 'openai' },
        ],
      }),
    })
    renderApp()
    await wait(50)

    expect([...document.querySelectorAll('.draft .draft-name')].map((name) => name.textContent)).toEqual(['Anthropic', 'Ollama'])
    const models = screen.getByLabelText('Model of column 1 (Anthropic)') as HTMLSelectElement
    expect([...models.options].map((option) => option.value)).toEqual(['claude-sonnet-4-6', 'claude-haiku-4-5'])
    expect(screen.getByText('OpenAI: unavailable (no OPENAI_API_KEY)')).toBeTruthy()
    const openai = screen.getByLabelText('Add model').querySelector<HTMLOptGroupElement>('optgroup[label^="OpenAI"]')!
    expect(openai.disabled).toBe(true)
    expect(openai.label).toBe('OpenAI (unavailable: no OPENAI_API_KEY)')
    expect(screen.queryByRole('note')).toBeNull()
  })

  it('announces demo mode in a banner that names deploy previews', async () => {
    installApi({ models: modelsDoc({ demo: true }) })
    renderApp()
    await wait(50)
    const banner = screen.getByRole('note').textContent
    expect(banner).toMatch(/^Demo mode: simulated providers answer/)
    expect(banner).toContain('deploy previews')
  })

  it('sends on Enter with the columns, their models and the shared options; Shift+Enter does not send', async () => {
    const api = installApi({ steps: [statusDoc({ anthropic: queued('anthropic'), gemini: queued('gemini') })] })
    renderApp()
    await wait(50)

    fireEvent.click(screen.getByRole('button', { name: 'Remove column 1 (OpenAI)' }))
    fireEvent.change(screen.getByLabelText('Model of column 1 (Anthropic)'), { target: { value: 'claude-haiku-4-5' } })
    type(screen.getByLabelText('System prompt'), 'Answer in French.')
    type(screen.getByLabelText('Temperature'), '0.3')
    type(promptBox(), 'Bonjour')
    fireEvent.keyDown(promptBox(), { key: 'Enter', shiftKey: true })
    await wait(50)
    expect(api.posts()).toHaveLength(0)

    fireEvent.keyDown(promptBox(), { key: 'Enter' })
    await wait(50)
    const posts = api.posts()
    expect(posts).toHaveLength(1)
    expect(posts[0]!.body).toEqual({
      message: 'Bonjour',
      participants: [
        { provider: 'anthropic', model: 'claude-haiku-4-5' },
        { provider: 'gemini', model: 'gemini-2.5-flash' },
      ],
      system: 'Answer in French.',
      temperature: 0.3,
    })
    expect(promptBox().value).toBe('')
    expect(window.location.search).toBe(`?chat=${CHAT_ID}`)
  })

  it('blocks the send button while nothing is typed and while the POST is in flight', async () => {
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
    const submit = screen.getByRole('button', { name: 'Compare' })
    expect(submit.getAttribute('aria-disabled')).toBe('true') // nothing typed yet
    type(promptBox(), 'Hello')
    expect(submit.getAttribute('aria-disabled')).toBe('false')

    fireEvent.click(submit)
    await wait(50)
    expect(screen.getByRole('button', { name: 'Sending…' }).getAttribute('aria-disabled')).toBe('true')
    release()
    await wait(50)
    expect(screen.getByRole('button', { name: 'Compare' })).toBeTruthy()
  })

  it('shows the server’s message when it refuses the chat, and keeps the prompt', async () => {
    installApi()
    server.use(http.post('/api/ai/chat', () => apiError(400, 'invalid_request', '"temperature" must be a number from 0 to 2.')))
    renderApp()
    await wait(50)
    type(promptBox(), 'Hello')
    fireEvent.keyDown(promptBox(), { key: 'Enter' })
    await wait(50)
    expect(screen.getByRole('alert').textContent).toBe('Could not start the chat: "temperature" must be a number from 0 to 2.')
    expect(promptBox().value).toBe('Hello')
  })
})

describe('the answers', () => {
  it('go from queued to streaming to done, each with its own state, metrics and cost', async () => {
    vi.setSystemTime(new Date('2026-11-29T12:00:00.300Z')) // OpenAI's call starts at 12:00:00.200
    installApi({
      steps: [
        statusDoc({ openai: queued('openai'), anthropic: queued('anthropic'), gemini: queued('gemini') }),
        { doc: statusDoc({ openai: streaming('openai', 'The answer **so far**'), anthropic: queued('anthropic'), gemini: queued('gemini') }), holdMs: 200 },
        {
          doc: statusDoc({
            openai: done('openai', 'The answer **so far** and more.'),
            anthropic: done('anthropic', 'Cut off mid', { finishReason: 'length' }),
            gemini: done('gemini', 'Gemini says hi.', { cost: null }),
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

    expect([...document.querySelectorAll('.column')].map((element) => element.getAttribute('data-participant'))).toEqual(['openai', 'anthropic', 'gemini'])
    expect(card('anthropic').textContent).toContain('Waiting for Anthropic to start…')
    expect(chatStatusLine()).toBe('Waiting for the models to start…')

    await wait(250)
    expect(card('openai').dataset.status).toBe('streaming')
    expect(card('openai').querySelector('.md strong')?.textContent).toBe('so far')
    expect(card('openai').querySelector('.elapsed')?.textContent).toBe('0 s')
    expect(card('anthropic').dataset.status).toBe('queued')
    expect(chatStatusLine()).toBe('Answers are arriving: 0 of 3 done.')
    await wait(2000) // the ticker moves the elapsed counter while the next poll is held
    expect(card('openai').querySelector('.elapsed')?.textContent).toBe('2 s')

    await wait(500)
    for (const id of ['openai', 'anthropic', 'gemini']) expect(card(id).dataset.status).toBe('done')
    expect(metric(card('openai'), 'Tokens in / out')).toBe('12 / 240')
    expect(metric(card('openai'), 'First token')).toBe('700 ms')
    expect(metric(card('openai'), 'Total')).toBe('2.8 s')
    expect(metric(card('openai'), 'Speed')).toBe('114 tokens/s')
    expect(metric(card('openai'), 'Model')).toBe('gpt-5-mini')
    expect(metric(card('openai'), 'Cost')).toBe('$0.0012')
    expect(metric(card('gemini'), 'Cost')).toBe('price unknown')
    expect(document.querySelector('.total-cost')?.textContent).toBe(' · total cost $0.0024')
    expect(card('anthropic').textContent).toContain('Cut off: the answer reached the limit of 4096 tokens.')
    expect(card('openai').textContent).not.toContain('Cut off')
    expect(chatStatusLine()).toBe('All answers are in.')
    // Each column names its provider and model; the model is truncated with its full name in a title.
    expect(within(column('anthropic').querySelector('.column-head')!).getByRole('heading').textContent).toBe('Anthropic')
    expect(column('anthropic').querySelector('.column-head .model')?.getAttribute('title')).toBe('claude-sonnet-4-6')
  })

  it('say "price unknown" for a chat without any priced answer, never $0', async () => {
    installApi({ steps: [statusDoc({ openai: done('openai', 'x', { cost: null }) })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(metric(card('openai'), 'Cost')).toBe('price unknown')
    expect(document.querySelector('.total-cost')?.textContent).toBe(' · total cost price unknown')
    expect(document.body.textContent).not.toContain('$0.00')
  })

  it('show the server’s fairness notes on the column, in everyday words', async () => {
    const doc = statusDoc(
      { openai: done('openai', 'Hi'), anthropic: done('anthropic', 'Hello') },
      {
        participants: [
          participant('openai', { notes: ['temperature left out: gpt-5-mini accepts only its default.'] }),
          participant('anthropic', { maxTokens: 4096, notes: ['maxTokens lowered from 99999 to the server cap of 4096.'] }),
        ],
      },
    )
    installApi({ steps: [doc] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(column('anthropic').querySelector('.notes')?.textContent).toBe('Max tokens lowered from 99,999 to the server cap of 4,096.')
    expect(column('openai').querySelector('.notes')?.textContent).toBe('Temperature left out: gpt-5-mini accepts only its default.')
  })

  it('show two columns of one provider apart, with the model each was asked', async () => {
    installApi({
      steps: [
        statusDoc(
          { openai: done('openai', 'A'), 'openai-2': done('openai-2', 'B', { model: 'gpt-5' }) },
          { participants: [participant('openai'), { ...participant('openai-2'), model: 'gpt-5', params: { model: 'gpt-5', maxTokens: 4096 } }] },
        ),
      ],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    const heads = [...document.querySelectorAll('.column-head')].map((head) => [head.querySelector('h3')?.textContent, head.querySelector('.model')?.textContent])
    expect(heads).toEqual([
      ['OpenAI', 'gpt-5-mini'],
      ['OpenAI 2', 'gpt-5'],
    ])
  })

  it('show one participant’s error in words, with a retry button, while the others finish', async () => {
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
    expect(answer.textContent).toContain('a link')
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
  it('Cancel shows from the moment the chat exists, before its first status document', async () => {
    const api = installApi({ steps: [{ doc: statusDoc({ openai: queued('openai'), anthropic: queued('anthropic'), gemini: queued('gemini') }), holdMs: 500 }] })
    renderApp()
    await wait(50)
    type(promptBox(), 'Compare these models')
    fireEvent.keyDown(promptBox(), { key: 'Enter' })
    await wait(20)
    expect(document.querySelector('.chat')?.getAttribute('data-phase')).toBe('loading')
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    await wait(20)
    expect(api.posts().map((r) => r.url.pathname)).toEqual(['/api/ai/chat', `/api/ai/chat/${CHAT_ID}/cancel`])
  })

  it('Cancel posts to the chat’s cancel endpoint, and the cards show what was cancelled', async () => {
    const api = installApi({ steps: [statusDoc({ openai: streaming('openai', 'Half an'), anthropic: queued('anthropic') })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)

    api.push({ doc: statusDoc({ openai: cancelled('openai', 'Half an'), anthropic: { ...queued('anthropic'), status: 'cancelled' } }), holdMs: 300 })
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    await wait(20)
    expect(api.posts().map((r) => [r.url.pathname, r.body])).toEqual([[`/api/ai/chat/${CHAT_ID}/cancel`, {}]])
    expect(screen.getByRole('button', { name: 'Cancelling…' }).getAttribute('aria-disabled')).toBe('true')

    await wait(2000)
    expect(card('openai').dataset.status).toBe('cancelled')
    expect(card('openai').textContent).toContain('Half an')
    expect(card('openai').textContent).toContain('Cancelled: the text above is what arrived before.')
    expect(card('anthropic').textContent).toContain('Cancelled before any text arrived.')
    expect(screen.queryByRole('button', { name: /Cancel/ })).toBeNull()
    expect(chatStatusLine()).toBe('Finished: no model answered.')
  })

  it('Retry posts the participant to the retry endpoint and follows the new attempt to its end', async () => {
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
    expect(api.posts().map((r) => [r.url.pathname, r.body])).toEqual([[`/api/ai/chat/${CHAT_ID}/retry`, { participant: 'anthropic' }]])

    await wait(50)
    expect(card('anthropic').dataset.status).toBe('done')
    expect(card('anthropic').textContent).toContain('Second time lucky.')
    expect(card('anthropic').textContent).toContain('attempt 2')
    expect(chatStatusLine()).toBe('All answers are in.')
  })

  it('shows why a retry was refused, naming the action', async () => {
    installApi({ steps: [statusDoc({ openai: failed('openai', 'auth', 'OpenAI rejected the API key (401).') })] })
    server.use(http.post('/api/ai/chat/:id/retry', () => apiError(409, 'conflict', 'OpenAI is streaming; only a participant that failed or was cancelled can be retried.')))
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    expect(card('openai').querySelector('.headline')?.textContent).toBe('OpenAI refused the API key — check the key set on the server')
    fireEvent.click(within(card('openai')).getByRole('button', { name: 'Retry OpenAI' }))
    await wait(20)
    expect(screen.getByRole('alert').textContent).toBe(
      'Could not retry OpenAI: OpenAI is streaming; only a participant that failed or was cancelled can be retried.',
    )
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
    expect(screen.queryByLabelText('Model of column 1 (OpenAI)')).toBeNull() // the models wait for the token

    type(screen.getByLabelText('Access token'), 'first-token')
    fireEvent.submit(screen.getByLabelText('Access token').closest('form')!)
    await wait(20)
    expect(screen.queryByRole('heading', { name: 'Access token needed' })).toBeNull()
    expect(screen.getByLabelText('Model of column 1 (OpenAI)')).toBeTruthy()
    expect(localStorage.getItem('ai-chat:token')).toBe('first-token')

    accepted = 'second-token'
    type(promptBox(), 'Hi')
    fireEvent.keyDown(promptBox(), { key: 'Enter' })
    await wait(20)
    expect(screen.getByRole('alert').textContent).toMatch(/refused the access token/)
    type(screen.getByLabelText('Access token'), 'second-token')
    fireEvent.submit(screen.getByLabelText('Access token').closest('form')!)
    await wait(50)

    expect(api.posts().map((r) => r.authorization)).toEqual(['Bearer second-token'])
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

  it('say in one sentence when the chat does not exist (404)', async () => {
    installApi({ steps: [{ status: 404, code: 'not_found', message: 'No chat with this id.' }] })
    renderApp(`/?chat=${OTHER_CHAT_ID}`)
    await wait(20)
    expect(chatStatusLine()).toBe('No chat was found at this link.')
    expect(document.querySelector('.columns')).toBeNull()
    expect(screen.getByLabelText('Prompt')).toBeTruthy()
  })

  it('say in one sentence, without asking the server, when the link holds no chat id', async () => {
    const api = installApi()
    renderApp('/?chat=garbage')
    await wait(20)
    expect(screen.getByRole('alert').textContent).toBe('This link does not point to a chat: “garbage” is not a chat id.')
    expect(api.statusRequests()).toHaveLength(0)
    expect(document.querySelector('.chat')).toBeNull()
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
    expect(chatStatusLine()).toBe('This chat has expired, and its answers are no longer kept.')
    expect(recent.getByText('expired')).toBeTruthy()
    expect(JSON.parse(localStorage.getItem('ai-chat:recent')!)[0].gone).toBe(true)
  })

  it('keep earlier chats of the session above the new one', async () => {
    installApi({
      chatId: CHAT_ID,
      steps: [conversationDoc([{ message: 'First', results: { openai: done('openai', 'First answer') } }], { chatId: OTHER_CHAT_ID })],
    })
    renderApp(`/?chat=${OTHER_CHAT_ID}`)
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


describe('the columns of the next chat', () => {
  it('take the same provider twice, can be removed, and are sent in order as participants', async () => {
    const api = installApi({
      steps: [
        statusDoc(
          { openai: done('openai', 'A'), 'openai-2': done('openai-2', 'B', { model: 'gpt-5' }) },
          { participants: [participant('openai'), { ...participant('openai-2'), model: 'gpt-5', params: { model: 'gpt-5', maxTokens: 4096 } }] },
        ),
      ],
    })
    renderApp()
    await wait(50)
    expect(drafts()).toEqual(['OpenAI gpt-5-mini', 'Anthropic claude-sonnet-4-6', 'Gemini gemini-2.5-flash'])

    fireEvent.click(screen.getByRole('button', { name: 'Remove column 3 (Gemini)' }))
    fireEvent.click(screen.getByRole('button', { name: 'Remove column 2 (Anthropic)' }))
    addModel('openai', 'gpt-5')
    expect(drafts()).toEqual(['OpenAI gpt-5-mini', 'OpenAI gpt-5'])

    submitPrompt('Hello')
    await wait(50)
    expect(api.posts()[0]!.body).toEqual({
      message: 'Hello',
      participants: [
        { provider: 'openai', model: 'gpt-5-mini' },
        { provider: 'openai', model: 'gpt-5' },
      ],
    })
    // Both columns show before the first document, with the ids the server gives them.
    expect([...document.querySelectorAll('.column')].map((column) => column.getAttribute('data-participant'))).toEqual(['openai', 'openai-2'])
  })

  it('are remembered for the next visit, without columns this server can no longer serve', async () => {
    installApi()
    const first = renderApp()
    await wait(50)
    fireEvent.click(screen.getByRole('button', { name: 'Remove column 1 (OpenAI)' }))
    addModel('anthropic', 'claude-haiku-4-5')
    expect(drafts()).toEqual(['Anthropic claude-sonnet-4-6', 'Gemini gemini-2.5-flash', 'Anthropic claude-haiku-4-5'])
    first.unmount()

    installApi({
      models: modelsDoc({
        providers: [
          { id: 'openai', label: 'OpenAI', configured: true, defaultModel: 'gpt-5-mini', models: ['gpt-5-mini'] },
          { id: 'anthropic', label: 'Anthropic', configured: true, defaultModel: 'claude-sonnet-4-6', models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] },
          { id: 'gemini', label: 'Gemini', configured: false, reason: 'no GEMINI_API_KEY', defaultModel: 'gemini-2.5-flash', models: ['gemini-2.5-flash'] },
        ],
      }),
    })
    renderApp()
    await wait(50)
    expect(drafts()).toEqual(['Anthropic claude-sonnet-4-6', 'Anthropic claude-haiku-4-5'])
  })

  it('stop at the server’s maximum, saying so', async () => {
    installApi({ models: modelsDoc({ limits: { maxParticipants: 4, maxMessageChars: 32_000, maxOutputTokens: 4096 } }) })
    renderApp()
    await wait(50)
    expect(screen.getByText('(3 of up to 4)')).toBeTruthy()
    addModel('gemini', 'gemini-2.5-flash')
    expect(drafts()).toHaveLength(4)
    expect((screen.getByRole('button', { name: 'Add' }) as HTMLButtonElement).disabled).toBe(true)
    expect(screen.getByText('Up to 4 columns.')).toBeTruthy()
  })

  it('start on "same for all"; a column’s own settings show at a glance, are clamped with a note, and are sent', async () => {
    const api = installApi({ steps: [statusDoc({ openai: done('openai', 'x') })] })
    renderApp()
    await wait(50)
    const row = () => screen.getByRole('button', { name: /^Settings of column 2/ }).closest('li')!
    expect(row().querySelector('.draft-settings')?.textContent).toBe('Same for all')

    fireEvent.click(screen.getByRole('button', { name: 'Settings of column 2 (Anthropic)' }))
    const panel = within(screen.getByRole('group', { name: 'Settings of column 2 (Anthropic)' }))
    type(panel.getByLabelText('System prompt'), 'Be brief.')
    type(panel.getByLabelText('Temperature'), '0.2')
    fireEvent.change(panel.getByLabelText('Temperature'))
    type(panel.getByLabelText('Max tokens'), '99999')
    fireEvent.change(panel.getByLabelText('Max tokens'))
    expect((panel.getByLabelText('Max tokens') as HTMLInputElement).value).toBe('4096')
    expect(panel.getByText('Max tokens 99,999 is outside 1–4,096, so 4,096 is used.')).toBeTruthy()
    expect(panel.getByText('0–2')).toBeTruthy()

    fireEvent.keyDown(panel.getByLabelText('Temperature'), { key: 'Escape' })
    expect(screen.queryByRole('group', { name: /Settings of column 2/ })).toBeNull()
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Settings of column 2 (Anthropic), customised' }))
    expect(row().classList.contains('custom')).toBe(true)
    expect(row().querySelector('.draft-settings')?.textContent).toBe('Own settings: own system prompt, temperature 0.2, max 4096 tokens')

    submitPrompt('Hello')
    await wait(50)
    expect((api.posts()[0]!.body as { participants: unknown[] }).participants).toEqual([
      { provider: 'openai', model: 'gpt-5-mini' },
      { provider: 'anthropic', model: 'claude-sonnet-4-6', system: 'Be brief.', temperature: 0.2, maxTokens: 4096 },
      { provider: 'gemini', model: 'gemini-2.5-flash' },
    ])
    expect(JSON.parse(localStorage.getItem('ai-chat:participants')!)[1]).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-6',
      system: 'Be brief.',
      temperature: 0.2,
      maxTokens: 4096,
    })

    fireEvent.click(screen.getByRole('button', { name: 'Settings of column 2 (Anthropic), customised' }))
    fireEvent.click(screen.getByRole('button', { name: 'Same for all' }))
    expect(row().querySelector('.draft-settings')?.textContent).toBe('Same for all')
  })
})

describe('the shared options', () => {
  it('show their ranges and clamp what is out of range with a visible note, not the browser’s bubble', async () => {
    const api = installApi({ steps: [statusDoc({ openai: done('openai', 'x') })] })
    renderApp()
    await wait(50)
    expect((screen.getByRole('form', { name: 'New chat' }) as HTMLFormElement).noValidate).toBe(true)
    const temperature = screen.getByLabelText('Temperature') as HTMLInputElement
    expect(document.getElementById(temperature.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe('0–2')
    const maxTokens = screen.getByLabelText('Max tokens') as HTMLInputElement
    expect(document.getElementById(maxTokens.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe('1–4,096')

    type(temperature, '5')
    fireEvent.change(temperature)
    expect(temperature.value).toBe('2')
    expect(screen.getByText('Temperature 5 is outside 0–2, so 2 is used.')).toBeTruthy()

    // Typed and sent at once (no change event yet): clamped on the way out too.
    type(maxTokens, '0')
    submitPrompt('Hello')
    await wait(50)
    expect(api.posts()[0]!.body).toMatchObject({ temperature: 2, maxTokens: 1 })
    expect(screen.getByText('Max tokens 0 is outside 1–4,096, so 1 is used.')).toBeTruthy()
  })

  it('start a chat blind when asked', async () => {
    installApi({ steps: [statusDoc({ openai: done('openai', 'x'), anthropic: done('anthropic', 'y') })] })
    renderApp()
    await wait(50)
    fireEvent.click(screen.getByLabelText(/^Blind comparison/))
    submitPrompt('Hello')
    await wait(50)
    expect(JSON.parse(localStorage.getItem('ai-chat:blind')!)).toEqual([CHAT_ID])
    expect([...document.querySelectorAll('.column-head h3')].map((heading) => heading.textContent).sort()).toEqual(['Model A', 'Model B'])
  })
})


describe('creating a chat', () => {
  it('sends a fresh Idempotency-Key per action, and tries a 5xx again after 0.5 s with the same key', async () => {
    const api = installApi({ steps: [statusDoc({ openai: done('openai', 'x') })], postFaults: [500] })
    renderApp()
    await wait(50)
    submitPrompt('First')
    await wait(400)
    expect(api.posts()).toHaveLength(1)
    await wait(200)
    const [first, second] = api.posts()
    expect(second!.at - first!.at).toBe(500)
    expect(first!.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(second!.idempotencyKey).toBe(first!.idempotencyKey)
    expect(api.chatsCreated).toBe(1)
    expect(window.location.search).toBe(`?chat=${CHAT_ID}`)

    submitPrompt('Second')
    await wait(50)
    const third = api.posts()[2]!
    expect(third.idempotencyKey).not.toBe(first!.idempotencyKey)
  })

  it('tries a lost answer again with the same key, and the server creates one chat', async () => {
    const api = installApi({ steps: [statusDoc({ openai: done('openai', 'x') })], postFaults: ['lost'] })
    renderApp()
    await wait(50)
    submitPrompt('Hello')
    await wait(600)
    expect(api.posts().map((post) => post.idempotencyKey)).toEqual([api.posts()[0]!.idempotencyKey, api.posts()[0]!.idempotencyKey])
    expect(api.chatsCreated).toBe(1)
    expect(document.querySelectorAll('.chat')).toHaveLength(1)
  })

  it('gives up after three tries (0.5 s, then 1 s apart) and says which action failed', async () => {
    const api = installApi({ postFaults: [500, 502, 503] })
    renderApp()
    await wait(50)
    submitPrompt('Hello')
    await wait(2000)
    const posts = api.posts()
    expect(posts.map((post) => post.at - posts[0]!.at)).toEqual([0, 500, 1500])
    expect(screen.getByRole('alert').textContent).toBe('Could not start the chat: Something went wrong on our side. Try again.')
    expect(api.chatsCreated).toBe(0)
  })

  it('does not try a refused request again', async () => {
    const api = installApi({ postFaults: [422] })
    renderApp()
    await wait(50)
    submitPrompt('Hello')
    await wait(2000)
    expect(api.posts()).toHaveLength(1)
  })
})

describe('filenameOf', () => {
  it.each([
    ['attachment; filename="chat-2026-11-29.md"', 'chat-2026-11-29.md'],
    ['attachment; filename=chat.json', 'chat.json'],
    ["attachment; filename=\"fallback.md\"; filename*=UTF-8''caf%C3%A9.md", 'café.md'],
    [null, null],
  ])('reads %s', (header, name) => {
    expect(filenameOf(header)).toBe(name)
  })
})

describe('the prompt’s length', () => {
  it('shows a counter near the limit, and past it says so in words and does not send', async () => {
    const api = installApi({ models: modelsDoc({ limits: { maxParticipants: 8, maxMessageChars: 32_000, maxOutputTokens: 4096 } }) })
    renderApp()
    await wait(50)
    const prompt = screen.getByLabelText('Prompt')
    type(prompt, 'x'.repeat(1000))
    expect(document.getElementById('prompt-length')?.textContent).toBe('')

    type(prompt, 'x'.repeat(29_000))
    expect(document.getElementById('prompt-length')?.textContent).toBe('29,000 of 32,000 characters')

    type(prompt, 'x'.repeat(40_000))
    expect(screen.getByRole('alert').textContent).toBe('The prompt is 40,000 characters; the limit is 32,000.')
    expect(screen.getByRole('button', { name: 'Compare' }).getAttribute('aria-disabled')).toBe('true')
    expect(prompt.getAttribute('aria-invalid')).toBe('true')
    fireEvent.keyDown(prompt, { key: 'Enter' })
    await wait(50)
    expect(api.posts()).toHaveLength(0)
  })

  it('applies to a follow-up too', async () => {
    installApi({ steps: [conversationDoc([{ message: 'Hi', results: { openai: done('openai', 'Hello') } }])] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(50)
    type(screen.getByLabelText('Follow-up'), 'y'.repeat(33_000))
    const button = screen.getByRole('button', { name: 'Send to all' })
    expect(button.getAttribute('aria-disabled')).toBe('true')
    expect(document.getElementById(button.getAttribute('aria-describedby')!)?.textContent).toBe(
      'The follow-up is 33,000 characters; the limit is 32,000.',
    )
  })
})

describe('text direction', () => {
  it('is worked out from the text in the heading, the quoted prompt, the prompt boxes and the answers', async () => {
    installApi({ steps: [conversationDoc([{ message: 'مرحبا', results: { openai: done('openai', 'أهلا') } }])] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    const elements = [
      screen.getAllByRole('heading', { level: 2 })[0]!,
      document.querySelector('.said')!,
      screen.getByLabelText('Prompt'),
      screen.getByLabelText('Follow-up'),
      screen.getByLabelText('System prompt'),
      card('openai').querySelector('.md')!,
    ]
    for (const element of elements) expect(element.getAttribute('dir'), element.outerHTML.slice(0, 60)).toBe('auto')
  })
})
