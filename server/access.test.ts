import { http, HttpResponse } from 'msw'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { RUN_PATH } from './trigger.ts'
import { metaPrefix } from './keys.ts'
import { createHarness, POLL_MS, type Harness } from './testing/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())

const ip = (address: string) => ({ 'x-nf-client-connection-ip': address })

describe('optional access token (AI_CHAT_ACCESS_TOKEN)', () => {
  beforeAll(() => h.setEnv({ AI_CHAT_ACCESS_TOKEN: 'let-me-in-please' }))
  afterAll(() => h.setEnv({ AI_CHAT_ACCESS_TOKEN: undefined }))

  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/api/ai/models'],
    ['POST', '/api/ai/chat', { message: 'hi' }],
    ['GET', '/api/ai/chat/00000000-0000-4000-8000-000000000000'],
    ['POST', '/api/ai/chat/00000000-0000-4000-8000-000000000000/cancel'],
    ['POST', '/api/ai/chat/00000000-0000-4000-8000-000000000000/retry', { provider: 'openai' }],
    ['POST', '/api/ai/chat/00000000-0000-4000-8000-000000000000/messages', { message: 'more' }],
    ['POST', '/api/ai/chat/00000000-0000-4000-8000-000000000000/turns/1/pick', { participant: 'openai' }],
    ['GET', '/api/ai/chat/00000000-0000-4000-8000-000000000000/export'],
    ['GET', '/api/openapi.json'],
  ]

  it.each(routes)('%s %s answers 401 without the token and writes nothing', async (method, path, json) => {
    await h.platform.settle()
    const before = await h.blobs.keys()
    for (const authorization of [undefined, 'Bearer wrong-token', 'Basic bGV0LW1lLWlu', 'let-me-in-please']) {
      const answer = await h.api(path, { method, ...(json ? { json } : {}), headers: authorization ? { authorization } : {} })
      expect(answer.status).toBe(401)
      expect(answer.body.error.code).toBe('unauthorized')
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/)
    }
    expect(await h.blobs.keys()).toEqual(before)
  })

  it('lets a caller with the token use every route', async () => {
    const headers = { authorization: 'Bearer let-me-in-please' }
    expect((await h.api('/api/ai/models', { headers })).status).toBe(200)
    const posted = await h.api('/api/ai/chat', { json: { message: 'hi' }, headers })
    expect(posted.status).toBe(202)
    const chatId = posted.body.chatId
    for (let i = 0; i < 200; i++) {
      const doc = await h.api(`/api/ai/chat/${chatId}`, { headers })
      expect(doc.status).toBe(200)
      if (doc.body.status === 'completed') break
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
    expect((await h.api(`/api/ai/chat/${chatId}/cancel`, { method: 'POST', headers })).status).toBe(200)
    expect((await h.api(`/api/ai/chat/${chatId}/export`, { headers })).status).toBe(200)
    expect((await h.api('/api/openapi.json', { headers })).status).toBe(200)
  })
})

describe('running chats per client (AI_CHAT_MAX_ACTIVE_PER_IP)', () => {
  beforeAll(() => h.setEnv({ AI_CHAT_MAX_ACTIVE_PER_IP: '3' }))
  afterAll(() => h.setEnv({ AI_CHAT_MAX_ACTIVE_PER_IP: '1000' }))

  const post = (address: string, message = 'burst') => h.api('/api/ai/chat', { json: { message, models: { openai: 'gpt-4.1' } }, headers: ip(address) })
  const cancelAll = async (ids: string[]) => {
    for (const id of ids) await h.api(`/api/ai/chat/${id}/cancel`, { method: 'POST' })
    for (const id of ids) await h.waitForFinal(id)
  }

  it.each([12, 50])('%i POSTs from one client at the same instant: exactly 3 accepted, the rest 429 with Retry-After, writing nothing and calling no provider', async (n) => {
    h.providers.script('openai', { hang: true })
    const address = `203.0.113.${n}`
    await h.platform.settle()
    const chatsBefore = (await h.blobs.keys('chats/')).filter((key) => key.endsWith('/request'))
    const answers = await Promise.all(Array.from({ length: n }, () => post(address)))
    const accepted = answers.filter((a) => a.status === 202)
    const refused = answers.filter((a) => a.status !== 202)
    expect(accepted).toHaveLength(3)
    expect(refused.every((a) => a.status === 429 && a.body.error.code === 'rate_limited' && a.headers.get('retry-after') === '10')).toBe(true)
    expect(refused[0]!.body.error.message).toBe('You already have 3 chats running (the limit is 3). Wait for one to finish or cancel it.')
    await vi.waitUntil(() => h.providers.callsOf('openai').length === 3, { timeout: 5000 })
    const chatsAfter = (await h.blobs.keys('chats/')).filter((key) => key.endsWith('/request'))
    expect(chatsAfter.length - chatsBefore.length).toBe(3)
    await cancelAll(accepted.map((a) => a.body.chatId))
    expect(h.providers.callsOf('openai')).toHaveLength(3)
  })

  it('frees a slot when a chat ends or is cancelled, and accepts other clients meanwhile', async () => {
    h.providers.script('openai', { hang: true })
    const address = '203.0.113.7'
    const running = await Promise.all([post(address), post(address), post(address)])
    expect((await post(address)).status).toBe(429)
    expect((await post('198.51.100.1')).status).toBe(202)
    // Cancelled: its slot is free at once.
    await h.api(`/api/ai/chat/${running[0]!.body.chatId}/cancel`, { method: 'POST' })
    h.providers.script('openai', { chunks: ['quick'] })
    const next = await post(address)
    expect(next.status).toBe(202)
    // Ended: free too.
    await h.waitForFinal(next.body.chatId)
    expect((await post(address)).status).toBe(202)
    await cancelAll([...running.map((a) => a.body.chatId)])
    await h.platform.settle()
  })

  it('counts a retry like a new chat: refused with 429 at the cap, accepted once a slot is free', async () => {
    h.providers.script('openai', { status: 400 })
    const address = '203.0.113.9'
    const failed = await post(address, 'fails')
    await h.waitForFinal(failed.body.chatId)
    h.providers.script('openai', { hang: true })
    const running = await Promise.all([post(address), post(address), post(address)])
    expect(running.map((r) => r.status)).toEqual([202, 202, 202])
    const retry = await h.api(`/api/ai/chat/${failed.body.chatId}/retry`, { json: { participant: 'openai' }, headers: ip(address) })
    expect(retry.status).toBe(429)
    expect(await h.blobs.keys(`${metaPrefix(failed.body.chatId)}retries/`)).toEqual([])
    await cancelAll(running.map((r) => r.body.chatId))
    h.providers.script('openai', { chunks: ['second try'] })
    const later = await h.api(`/api/ai/chat/${failed.body.chatId}/retry`, { json: { participant: 'openai' }, headers: ip(address) })
    expect(later.status).toBe(202)
    expect((await h.waitForFinal(failed.body.chatId)).results.openai.text).toBe('second try')
  })

  it('counts a retry as running from the moment it is asked for, even before its run starts', async () => {
    h.setEnv({ AI_CHAT_MAX_ACTIVE_PER_IP: '1' })
    const address = '203.0.113.30'
    try {
      h.providers.script('openai', { status: 400 })
      const failed = await post(address, 'fails')
      await h.waitForFinal(failed.body.chatId)
      // Long after the chat was made (only the clock moves), its retry's run is slow to start.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 })
      h.use(http.post(`${h.platform.origin}${RUN_PATH}`, () => new HttpResponse(null, { status: 202 })))
      expect((await h.api(`/api/ai/chat/${failed.body.chatId}/retry`, { json: { participant: 'openai' }, headers: ip(address) })).status).toBe(202)
      expect((await post(address, 'one too many')).status).toBe(429)
    } finally {
      vi.useRealTimers()
      h.use(http.post(`${h.platform.origin}${RUN_PATH}`, ({ request }) => h.platform.fetch(request)))
      h.setEnv({ AI_CHAT_MAX_ACTIVE_PER_IP: '3' })
      await h.platform.settle()
    }
  })

  it('counts an IPv6 client by its /64: a new address in the same network is the same client', async () => {
    const { clientNetwork } = await import('./client-slots.ts')
    expect(clientNetwork('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(clientNetwork('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64')
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(clientNetwork('203.0.113.5')).toBe('203.0.113.5')
  })

  it('tells a client at its cap that a retry of an unknown chat is 404, not 429', async () => {
    h.providers.script('openai', { hang: true })
    const running = await Promise.all([1, 2, 3].map(() => post('203.0.113.20')))
    const answer = await h.api('/api/ai/chat/00000000-0000-4000-8000-000000000000/retry', { json: { participant: 'openai' }, headers: ip('203.0.113.20') })
    expect(answer.status).toBe(404)
    await cancelAll(running.map((r) => r.body.chatId))
  })

  it('never stores the client IP itself', async () => {
    await h.api('/api/ai/chat', { json: { message: 'private' }, headers: ip('192.0.2.55') })
    await h.platform.settle()
    const keys = await h.blobs.keys()
    expect(keys.join('\n')).not.toContain('192.0.2.55')
  })
})

describe('security headers', () => {
  it.each([
    ['GET', '/api/ai/models', undefined],
    ['POST', '/api/ai/chat', { message: '' }],
    ['DELETE', '/api/ai/chat', undefined],
    ['OPTIONS', '/api/ai/chat', undefined],
    ['GET', '/api/ai/chat/00000000-0000-4000-8000-000000000000', undefined],
  ])('%s %s carries nosniff, a no-frame CSP, a strict referrer policy and no-store', async (method, path, json) => {
    const answer = await h.api(path, { method, ...(json ? { json } : {}) })
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
    expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer')
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })
})
