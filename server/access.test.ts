import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { metaPrefix } from './keys.ts'
import { createHarness, type Harness } from './testing/harness.ts'

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
  ]

  it.each(routes)('%s %s answers 401 without the token and writes nothing', async (method, path, json) => {
    for (const authorization of [undefined, 'Bearer wrong-token', 'Basic bGV0LW1lLWlu', 'let-me-in-please']) {
      const answer = await h.api(path, { method, ...(json ? { json } : {}), headers: authorization ? { authorization } : {} })
      expect(answer.status).toBe(401)
      expect(answer.body.error.code).toBe('unauthorized')
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/)
    }
    expect(await h.blobs.keys()).toEqual([])
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
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect((await h.api(`/api/ai/chat/${chatId}/cancel`, { method: 'POST', headers })).status).toBe(200)
  })
})

describe('running chats per client IP (AI_CHAT_MAX_ACTIVE_PER_IP)', () => {
  beforeAll(() => h.setEnv({ AI_CHAT_MAX_ACTIVE_PER_IP: '2' }))
  afterAll(() => h.setEnv({ AI_CHAT_MAX_ACTIVE_PER_IP: '1000' }))

  it('refuses a third running chat from one IP with 429 and Retry-After, accepts other IPs, and frees the slot when a chat ends', async () => {
    for (const p of ['openai', 'anthropic', 'gemini'] as const) h.providers.script(p, { delayMs: 700, chunks: ['slow'] })
    const first = await h.api('/api/ai/chat', { json: { message: 'one' }, headers: ip('203.0.113.7') })
    const second = await h.api('/api/ai/chat', { json: { message: 'two' }, headers: ip('203.0.113.7') })
    expect([first.status, second.status]).toEqual([202, 202])

    // The two running chats keep writing their results; the refused POST must add no chat and no marker.
    const chatsAndMarkers = async () => (await h.blobs.keys()).filter((key) => key.endsWith('/request') || key.startsWith('clients/'))
    const before = await chatsAndMarkers()
    const third = await h.api('/api/ai/chat', { json: { message: 'three' }, headers: ip('203.0.113.7') })
    expect(third.status).toBe(429)
    expect(third.headers.get('retry-after')).toBe('10')
    expect(third.body.error).toEqual({ code: 'rate_limited', message: expect.stringContaining('2 chats running') })
    expect(await chatsAndMarkers()).toEqual(before)

    expect((await h.api('/api/ai/chat', { json: { message: 'elsewhere' }, headers: ip('198.51.100.1') })).status).toBe(202)

    await h.waitForFinal(first.body.chatId)
    await h.waitForFinal(second.body.chatId)
    const again = await h.api('/api/ai/chat', { json: { message: 'four' }, headers: ip('203.0.113.7') })
    expect(again.status).toBe(202)
    // The finished chats' markers were dropped when the new one was accepted.
    const markers = (await h.blobs.keys('clients/')).filter((key) => !key.includes(again.body.chatId))
    expect(markers.every((key) => !key.includes(first.body.chatId) && !key.includes(second.body.chatId))).toBe(true)
    await h.platform.settle()
  })

  it('counts a retried chat as running again: retry is refused with 429 when the IP is at its cap', async () => {
    for (const p of ['openai', 'anthropic', 'gemini'] as const) h.providers.script(p, { status: 400 })
    const failed = await h.api('/api/ai/chat', { json: { message: 'fails' }, headers: ip('203.0.113.9') })
    await h.waitForFinal(failed.body.chatId)
    for (const p of ['openai', 'anthropic', 'gemini'] as const) h.providers.script(p, { delayMs: 800, chunks: ['slow'] })
    const running = await Promise.all(['a', 'b'].map((m) => h.api('/api/ai/chat', { json: { message: m }, headers: ip('203.0.113.9') })))
    expect(running.map((r) => r.status)).toEqual([202, 202])
    const retry = await h.api(`/api/ai/chat/${failed.body.chatId}/retry`, { json: { provider: 'openai' }, headers: ip('203.0.113.9') })
    expect(retry.status).toBe(429)
    expect(retry.body.error.code).toBe('rate_limited')
    expect(await h.blobs.keys(`${metaPrefix(failed.body.chatId)}retries/`)).toEqual([])
    for (const r of running) await h.waitForFinal(r.body.chatId)
    const later = await h.api(`/api/ai/chat/${failed.body.chatId}/retry`, { json: { provider: 'openai' }, headers: ip('203.0.113.9') })
    expect(later.status).toBe(202)
    await h.waitForFinal(failed.body.chatId)
  })

  it('tells a client at its cap that a retry of an unknown chat is 404, not 429', async () => {
    for (const p of ['openai', 'anthropic', 'gemini'] as const) h.providers.script(p, { delayMs: 600, chunks: ['slow'] })
    await Promise.all(['a', 'b'].map((m) => h.api('/api/ai/chat', { json: { message: m }, headers: ip('203.0.113.20') })))
    const answer = await h.api('/api/ai/chat/00000000-0000-4000-8000-000000000000/retry', { json: { provider: 'openai' }, headers: ip('203.0.113.20') })
    expect(answer.status).toBe(404)
    await h.platform.settle()
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
