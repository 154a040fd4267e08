/**
 * The REST API as a curl user meets it, on Netlify's local emulation (`npm start`, demo mode): the
 * background function, Blobs and routing are the emulator's own. No browser needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startDevServer, stopDevServer } from './dev-server.ts'

let server: Awaited<ReturnType<typeof startDevServer>> | undefined
const stopOnExit = () => server?.child.pid && process.kill(-server.child.pid, 'SIGKILL')

beforeAll(async () => {
  process.once('exit', stopOnExit)
  // Slower simulated streams leave time to see partial text and to cancel one mid-way.
  server = await startDevServer(await freePort(), { AI_CHAT_DEMO_SPEED: '0.5' })
})
afterAll(async () => {
  await stopDevServer(server?.child)
  process.off('exit', stopOnExit)
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A call as curl makes it. A transient 5xx or a dropped connection from the emulator's per-call
 * workers is retried, as the page does.
 */
async function call(path: string, init: RequestInit = {}) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${server!.origin}${path}`, init).catch((error: unknown) => {
      if (attempt === 5) throw error
      return null
    })
    if (response && (response.status < 500 || attempt === 5)) {
      const text = await response.text()
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null }
    }
    await sleep(300 * attempt)
  }
}

const post = (path: string, body?: unknown) =>
  call(path, { method: 'POST', ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}) })

async function pollUntil(chatId: string, done: (doc: any) => boolean, timeoutMs = 60_000) {
  const seen: any[] = []
  const end = Date.now() + timeoutMs
  for (;;) {
    const { status, body } = await call(`/api/ai/chat/${chatId}`)
    expect(status).toBe(200)
    seen.push(body)
    if (done(body)) return seen
    if (Date.now() > end) throw new Error(`not reached: ${JSON.stringify(body.results)}`)
    await sleep(250)
  }
}

describe('the REST API on the local emulator (demo mode)', () => {
  it('POST → 202 at once → status with partial text → final results with usage and timings', async () => {
    const started = Date.now()
    const accepted = await post('/api/ai/chat', { message: 'Hello from the emulator test' })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(accepted.status).toBe(202)
    expect(accepted.headers.get('location')).toBe(`/api/ai/chat/${accepted.body.chatId}`)
    const seen = await pollUntil(accepted.body.chatId, (doc) => doc.status === 'completed')
    expect(seen.some((doc) => Object.values<any>(doc.results).some((r) => r.status === 'streaming' && r.text.length > 0))).toBe(true)
    const final = seen.at(-1)
    expect(final.demo).toBe(true)
    for (const result of Object.values<any>(final.results)) {
      expect(result).toMatchObject({ status: 'done', ok: true, demo: true, finishReason: 'stop', usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) } })
      expect(result.timings).toMatchObject({ queuedAt: expect.any(String), startedAt: expect.any(String), firstTokenAt: expect.any(String), finishedAt: expect.any(String) })
    }
    const same = await call(`/api/ai/chat/status?id=${accepted.body.chatId}`)
    expect(same.body.results).toEqual(final.results)
  })

  it('cancel keeps the text received so far, and retry runs that provider again', async () => {
    const { body } = await post('/api/ai/chat', { message: 'Cancel me half way', models: { anthropic: 'claude-sonnet-4-6' } })
    await pollUntil(body.chatId, (doc) => doc.results.anthropic.status === 'streaming')
    const cancel = await post(`/api/ai/chat/${body.chatId}/cancel`)
    expect(cancel.status).toBe(202)
    const final = (await pollUntil(body.chatId, (doc) => doc.status === 'failed' || doc.status === 'completed')).at(-1)
    expect(final.status).toBe('failed')
    expect(final.results.anthropic.status).toBe('cancelled')
    expect(final.results.anthropic.text.length).toBeGreaterThan(0)

    const retry = await post(`/api/ai/chat/${body.chatId}/retry`, { provider: 'anthropic' })
    expect(retry.status).toBe(202)
    expect(retry.body.attempt).toBe(2)
    const again = (await pollUntil(body.chatId, (doc) => doc.status === 'completed')).at(-1)
    expect(again.results.anthropic).toMatchObject({ status: 'done', attempt: 2 })
  })

  it('the sync rollback path answers with the finished document', async () => {
    const answer = await post('/api/ai/chat?mode=sync', { message: 'Sync on the emulator', models: { gemini: 'gemini-2.5-flash' } })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ status: 'completed', results: { gemini: { status: 'done' } } })
  })

  it('refuses bad input with JSON errors, and a forged trigger with a silent 202 that runs nothing', async () => {
    const bad = await call('/api/ai/chat', { method: 'POST', body: 'not json' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('invalid_json')
    const wrong = await call('/api/ai/chat', { method: 'DELETE' })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS')
    const forged = await post('/.netlify/functions/ai-chat-run-background', { chatId: '00000000-0000-4000-8000-000000000000', signature: 'forged' })
    expect(forged.status).toBe(202)
    for (let i = 0; i < 20 && !server!.output().includes('trigger_refused'); i++) await sleep(100)
    expect(server!.output()).toContain('trigger_refused')
  })
})
