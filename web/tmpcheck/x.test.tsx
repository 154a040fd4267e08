import { it, expect, vi, beforeAll, afterAll } from 'vitest'
import { http, HttpResponse, delay } from 'msw'
import { setupServer } from 'msw/node'
const server = setupServer(http.get('/api/x', async ({ request }) => { await delay(1000); return HttpResponse.json({ ok: request.url }) }), http.get('/api/y', () => new HttpResponse(null, { status: 304 })), http.get('/api/z', () => HttpResponse.error()))
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }))
afterAll(() => server.close())
it('304', async () => {
  const r = await fetch('/api/y'); expect(r.status).toBe(304)
}, 2000)
it('error', async () => {
  await expect(fetch('/api/z')).rejects.toThrow()
}, 2000)
it('abort', async () => {
  const ac = new AbortController()
  const q = fetch('/api/x', { signal: ac.signal }); ac.abort(); await expect(q).rejects.toThrow()
}, 2000)
it('abort fake', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  const ac = new AbortController()
  const q = fetch('/api/x', { signal: ac.signal }); await vi.advanceTimersByTimeAsync(10); ac.abort(); await expect(q).rejects.toThrow()
  vi.useRealTimers()
}, 2000)
