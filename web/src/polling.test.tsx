import { fireEvent, screen, within } from '@testing-library/preact'
import { http, HttpResponse } from 'msw'
import { describe, expect, it, vi } from 'vitest'
import { WAIT_MS } from './api.ts'
import { backoff, GIVE_UP_MS } from './chat-session.ts'
import { CHAT_ID, installApi, server, useApiServer } from './testing/api-server.ts'
import { cancelled, done, failed, OTHER_CHAT_ID, queued, statusDoc, streaming } from './testing/fixtures.ts'
import { announcement, card, chatStatusLine, pressEnter, statusElement } from './testing/page-queries.ts'
import { renderApp, usePageTests, wait } from './testing/render-app.tsx'

useApiServer()
usePageTests()


describe('long polling', () => {
  it('asks once without parameters, then long-polls for the latest turn with the version it holds', async () => {
    const first = statusDoc({ openai: queued('openai') })
    const second = statusDoc({ openai: streaming('openai', 'Hel') })
    const api = installApi({ steps: [first, { doc: second, holdMs: 300 }] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(2500)

    const urls = api.statusRequests().map((r) => r.url.pathname + r.url.search)
    expect(urls[0]).toBe(`/api/ai/chat/${CHAT_ID}`)
    expect(urls[1]).toBe(`/api/ai/chat/${CHAT_ID}?since=${first.version}&wait=${WAIT_MS}&turns=latest`)
    expect(urls[2]).toBe(`/api/ai/chat/${CHAT_ID}?since=${second.version}&wait=${WAIT_MS}&turns=latest`)
  })

  it('keeps what it has on a 304 and starts the next request as soon as one ends, about one a second', async () => {
    const first = statusDoc({ openai: streaming('openai', 'Partial answer') })
    const api = installApi({ steps: [first] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(10_000)

    expect(card('openai').textContent).toContain('Partial answer')
    const requests = api.statusRequests()
    // The first answer, then one held (1 s) request after another.
    expect(requests.length).toBeGreaterThanOrEqual(10)
    expect(requests.length).toBeLessThanOrEqual(12)
    expect(requests.slice(1).every((r) => r.url.searchParams.get('since') === first.version)).toBe(true)
  })

  it('waits out the second when a 304 comes back at once (a server that does not hold)', async () => {
    const api = installApi({ steps: [statusDoc({ openai: queued('openai') }), ...Array(20).fill({ status: 304 })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(5000)
    expect(api.statusRequests().length).toBeLessThanOrEqual(7)
  })

  it('never has two status requests in flight, even with two chats open', async () => {
    const api = installApi({
      steps: [statusDoc({ openai: streaming('openai', 'a') }), ...Array(40).fill({ status: 304, holdMs: 700 })],
    })
    const { state } = renderApp(`/?chat=${CHAT_ID}`)
    state.openChat(OTHER_CHAT_ID)
    await wait(15_000)
    expect(api.statusRequests().some((r) => r.url.pathname.endsWith(`/${OTHER_CHAT_ID}`))).toBe(true)
    expect(api.maxInFlight).toBe(1)
  })

  it('stops when the chat has completed', async () => {
    const api = installApi({
      steps: [statusDoc({ openai: streaming('openai', 'Hi') }), statusDoc({ openai: done('openai', 'Hi there') })],
    })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(1000)
    const count = api.statusRequests().length
    await wait(30_000)
    expect(count).toBe(2)
    expect(api.statusRequests().length).toBe(2)
    expect(chatStatusLine()).toBe('All answers are in.')
  })
})

describe('connection trouble', () => {
  it('backs off after a network error and a 500, shows reconnecting…, and recovers', async () => {
    const api = installApi({
      steps: [
        statusDoc({ openai: streaming('openai', 'First words') }),
        { network: true },
        { status: 500 },
        statusDoc({ openai: done('openai', 'First words and the rest') }),
      ],
    })
    vi.spyOn(Math, 'random').mockReturnValue(0.5) // no jitter: 0.5 s, then 1 s
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(50)
    expect(api.statusRequests()).toHaveLength(2)
    expect(chatStatusLine()).toMatch(/reconnecting…/)
    expect(card('openai').textContent).toContain('First words')

    await wait(400)
    expect(api.statusRequests()).toHaveLength(2) // still backing off
    await wait(100)
    expect(api.statusRequests()).toHaveLength(3) // after 0.5 s: the 500
    expect(chatStatusLine()).toMatch(/reconnecting…/)

    await wait(900)
    expect(api.statusRequests()).toHaveLength(3) // the second wait is 1 s
    await wait(150)
    expect(api.statusRequests()).toHaveLength(4)
    expect(chatStatusLine()).toBe('All answers are in.')
    expect(card('openai').textContent).toContain('First words and the rest')
  })

  it('grows the backoff 0.5, 1, 2 s and caps it at 2 s, with jitter and the server’s Retry-After', () => {
    const middle = () => 0.5
    expect([1, 2, 3, 4, 5, 9].map((n) => backoff(n, 0, middle))).toEqual([500, 1000, 2000, 2000, 2000, 2000])
    expect(backoff(1, 0, () => 0)).toBe(400)
    expect(backoff(1, 0, () => 0.999)).toBeLessThanOrEqual(600)
    expect(backoff(7, 0, () => 0.999)).toBe(2000)
    expect(backoff(1, 30, middle)).toBe(30_000)
  })

  it.each([
    ['the browser is online again', () => window.dispatchEvent(new Event('online'))],
    ['the tab becomes visible', () => document.dispatchEvent(new Event('visibilitychange'))],
  ])('tries again at once when %s', async (_, event) => {
    const api = installApi({
      steps: [
        statusDoc({ openai: streaming('openai', 'First words') }),
        { network: true },
        { network: true },
        { network: true },
        statusDoc({ openai: done('openai', 'First words and the rest') }),
      ],
    })
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(2000) // three failures: now waiting 2 s
    expect(api.statusRequests()).toHaveLength(4)
    expect(chatStatusLine()).toMatch(/reconnecting…/)
    event()
    await wait(50)
    expect(api.statusRequests()).toHaveLength(5)
    expect(chatStatusLine()).toBe('All answers are in.')
  })
})

describe('giving up and resuming', () => {
  it('stops after two minutes with the expiry time, and polls again on "Keep waiting"', async () => {
    const running = statusDoc({ openai: streaming('openai', 'Still thinking') })
    const api = installApi({ steps: [running] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(GIVE_UP_MS + 2000)

    const expiry = new Date(running.expiresAt).toLocaleString(undefined, { hour: '2-digit', minute: '2-digit' })
    expect(chatStatusLine()).toBe(
      `Still running — results stay available until ${expiry}. The page stopped checking after two minutes.`,
    )
    const count = api.statusRequests().length
    await wait(60_000)
    expect(api.statusRequests()).toHaveLength(count)

    api.push(statusDoc({ openai: done('openai', 'Finally') }))
    screen.getByRole('button', { name: 'Keep waiting' }).click()
    await wait(50)
    expect(api.statusRequests()).toHaveLength(count + 1)
    expect(card('openai').textContent).toContain('Finally')
    expect(chatStatusLine()).toBe('All answers are in.')
  })
})

describe('leaving a chat', () => {
  it('stops polling when the chat is closed', async () => {
    const api = installApi({ steps: [statusDoc({ openai: streaming('openai', 'x') })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(3000)
    screen.getByRole('button', { name: 'Close this chat' }).click()
    await wait(1100) // the request in flight is aborted
    const count = api.statusRequests().length
    await wait(20_000)
    expect(api.statusRequests()).toHaveLength(count)
    expect(window.location.search).toBe('')
  })

  it('stops polling when the page unmounts', async () => {
    const api = installApi({ steps: [statusDoc({ openai: streaming('openai', 'x') })] })
    const { unmount } = renderApp(`/?chat=${CHAT_ID}`)
    await wait(3000)
    unmount()
    await wait(100) // a request already on its way still arrives
    const count = api.statusRequests().length
    await wait(20_000)
    expect(api.statusRequests()).toHaveLength(count)
    expect(vi.getTimerCount()).toBe(0)
  })
})


describe('keyboard focus', () => {
  it('stays on Cancel while it works, then moves to the status line that says how the chat ended', async () => {
    const api = installApi({ steps: [statusDoc({ openai: streaming('openai', 'Half'), anthropic: queued('anthropic') })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    api.push({ doc: statusDoc({ openai: cancelled('openai', 'Half'), anthropic: { ...queued('anthropic'), status: 'cancelled' } }), holdMs: 300 })

    const cancel = screen.getByRole('button', { name: 'Cancel' })
    pressEnter(cancel)
    await wait(20)
    expect(document.activeElement).toBe(cancel)
    expect(cancel.textContent).toBe('Cancelling…')
    expect(announcement()).toBe('Cancelling the answers still running.')

    await wait(1500)
    expect(screen.queryByRole('button', { name: /Cancel/ })).toBeNull()
    expect(document.activeElement).toBe(statusElement())
    expect(statusElement().textContent).toBe('Finished: no model answered.')
  })

  it('stays on Retry while it works, then moves to its answer and announces the retry', async () => {
    const api = installApi({ steps: [statusDoc({ openai: done('openai', 'Fine.'), anthropic: failed('anthropic', 'overloaded', 'Overloaded (529).') })] })
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    api.push({ doc: statusDoc({ openai: done('openai', 'Fine.'), anthropic: queued('anthropic', 2) }), holdMs: 100 })

    const retry = within(card('anthropic')).getByRole('button', { name: 'Retry Anthropic' })
    pressEnter(retry)
    await wait(20)
    expect(document.activeElement).toBe(retry)
    expect(retry.getAttribute('aria-disabled')).toBe('true')

    await wait(200)
    expect(card('anthropic').dataset.status).toBe('queued')
    expect(document.activeElement).toBe(card('anthropic'))
    expect(announcement()).toBe('Retrying Anthropic.')
  })
})

describe('actions that fail while offline', () => {
  it('say which action failed, and the message goes once the chat is over', async () => {
    const api = installApi({ steps: [statusDoc({ openai: streaming('openai', 'Half') })] })
    server.use(http.post('/api/ai/chat/:id/cancel', () => HttpResponse.error()))
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    await wait(20)
    expect(screen.getByRole('alert').textContent).toBe('Could not cancel: the server could not be reached.')
    expect(screen.getByRole('button', { name: 'Cancel' }).getAttribute('aria-disabled')).toBe('false')

    api.push(statusDoc({ openai: done('openai', 'Half and whole') }))
    await wait(1100)
    expect(statusElement().textContent).toBe('All answers are in.')
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('and the message goes when the next action succeeds', async () => {
    installApi({ steps: [statusDoc({ openai: done('openai', 'Fine.'), anthropic: done('anthropic', 'Also.') })] })
    let offline = true
    server.use(http.post('/api/ai/chat/:id/turns/:turn/pick', () => (offline ? HttpResponse.error() : undefined)))
    renderApp(`/?chat=${CHAT_ID}`)
    await wait(20)
    fireEvent.click(within(card('openai')).getByRole('button', { name: 'Best (turn 1, OpenAI)' }))
    await wait(20)
    expect(screen.getByRole('alert').textContent).toBe('Could not mark the best answer: the server could not be reached.')
    offline = false
    fireEvent.click(within(card('openai')).getByRole('button', { name: 'Best (turn 1, OpenAI)' }))
    await wait(20)
    expect(screen.queryByRole('alert')).toBeNull()
    expect(card('openai').classList.contains('picked')).toBe(true)
  })
})
