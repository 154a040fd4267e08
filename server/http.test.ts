import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from './testing/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(() => h.close())

const ID = '00000000-0000-4000-8000-000000000000'
/** Every /api route, the methods it answers, and one it does not. */
const ROUTES: Array<[string, string, string]> = [
  ['/api/ai/chat', 'POST, OPTIONS', 'GET'],
  [`/api/ai/chat/${ID}`, 'GET, HEAD, OPTIONS', 'POST'],
  [`/api/ai/chat/status?id=${ID}`, 'GET, HEAD, OPTIONS', 'DELETE'],
  [`/api/ai/chat/${ID}/messages`, 'POST, OPTIONS', 'GET'],
  [`/api/ai/chat/${ID}/cancel`, 'POST, OPTIONS', 'GET'],
  [`/api/ai/chat/${ID}/retry`, 'POST, OPTIONS', 'PUT'],
  [`/api/ai/chat/${ID}/turns/1/pick`, 'POST, DELETE, OPTIONS', 'GET'],
  [`/api/ai/chat/${ID}/export`, 'GET, HEAD, OPTIONS', 'POST'],
  ['/api/ai/models', 'GET, HEAD, OPTIONS', 'PATCH'],
  ['/api/openapi.json', 'GET, HEAD, OPTIONS', 'POST'],
  ['/api/health', 'GET, HEAD, OPTIONS', 'DELETE'],
]

describe('the HTTP edge of every /api route', () => {
  it.each(ROUTES)('%s answers a wrong method with 405 JSON and Allow: %s', async (path, allow, wrong) => {
    const answer = await h.api(path, { method: wrong })
    expect(answer.status).toBe(405)
    expect(answer.headers.get('allow')).toBe(allow)
    expect(answer.body).toEqual({ success: false, error: { code: 'method_not_allowed', message: `${wrong} is not allowed here. Use ${allow.replace(', OPTIONS', '').replace(/, /g, ' or ')}.` } })
    const options = await h.api(path, { method: 'OPTIONS' })
    expect([options.status, options.headers.get('allow')]).toEqual([204, allow])
  })

  it('answers an unknown error with a generic 500 that leaks nothing, and logs it', async () => {
    const { errorResponse } = await import('./http.ts')
    const response = errorResponse(new Error('secret internals at /srv/app.ts:12'), { path: '/x' })
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ success: false, error: { code: 'internal', message: 'Something went wrong on our side. Try again.' } })
    expect(h.logs.some((line) => line.includes('internal_error') && line.includes('secret internals'))).toBe(true)
  })
})
