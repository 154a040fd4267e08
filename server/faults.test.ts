/**
 * Fault tests in-process against a real BlobsServer and msw (the local emulator itself fails under
 * concurrency): generated malformed requests, and many chats with random provider faults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILT_IN_PROVIDER_IDS, type BuiltInProviderId as ProviderId } from '../shared/catalogue.ts'
import { seededRandom } from '../shared/hash.ts'
import { createHarness, type Harness } from './testing/harness.ts'
import type { FakeReply } from './testing/wire.ts'

let h: Harness
beforeAll(async () => {
  // Hundreds of provider calls, 40 polling clients and the blob server share one process (and two
  // busy CPUs with the other test files): the hangs time out after 6 s, far beyond every scripted
  // stream even then (at 2 s, a 4-chunk answer was once cut).
  h = await createHarness({ AI_CHAT_PROVIDER_TIMEOUT_MS: '6000' })
})
afterAll(() => h.close())

/** The same "random" cases on every run. */
function prng(seed: number) {
  const next = seededRandom(seed)
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! }
}

const ODD = ['\ud800', '\udfff', 'a\ud83d', '\u202e', '\u200b', '\u0000', '\uffff', '𝕳𝖊𝖑𝖑𝖔', '🏳️‍🌈', 'é', '\r\n', '"', '\\']
const IDS = ['..%2F..%2Fconfig%2Ftrigger-secret', '../../config/trigger-secret', '%00', 'x'.repeat(5000), '00000000-0000-4000-8000-00000000000', '00000000-0000-4000-8000-0000000000000', 'ÄÖÜ', '%E2%80%AE', 'status/../..', '{chatId}', ' ', '00000000-0000-0000-0000-000000000000']

interface Case {
  method: string
  path: string
  body?: string | Uint8Array
  headers?: Record<string, string>
}

function generateMalformed(count: number): Case[] {
  const r = prng(0x5eed)
  const json = (value: unknown) => JSON.stringify(value)
  const makers: Array<() => Case> = [
    () => ({ method: 'POST', path: '/api/ai/chat', body: r.pick(['{', '{"message":', '[1,2', 'null', 'true', '42', '"hi"', 'message=hi', '{"message":"a",}', "{'message':'a'}", '\u0000', '']) }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: r.pick([null, 1, true, [], {}, '', '   ', r.pick(ODD.slice(0, 3))]) }) }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: 'hi', [r.pick(['model', 'prompt', 'Message', '__proto__x', r.pick(ODD)])]: 'x' }) }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: 'hi', models: r.pick([{}, [], 'openai', null, 5, { [r.pick(ODD)]: 'x' }, { openai: r.pick(['', 5, null, 'gpt-2', r.pick(ODD), 'x'.repeat(1000)]) }, { mistral: 'large' }]) }) }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: 'hi', temperature: r.pick([-1, 2.5, 'hot', null, 'Infinity']) }) }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: 'hi', maxTokens: r.pick([0, -5, 1.5, '100', null, []]) }) }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: 'hi', system: r.pick([5, [], {}, '\ud800']) }) }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: 'x'.repeat(66_000 + Math.floor(r.next() * 50_000)) }) }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: '😀'.repeat(32_001) }) }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: new Uint8Array([0x7b, 0x22, 0x6d, 0xc3, 0x28, 0xff, 0x7d]) }),
    () => ({ method: 'POST', path: `/api/ai/chat?mode=${r.pick(['turbo', 'SYNC', '', '%00'])}`, body: json({ message: 'hi' }) }),
    () => ({ method: r.pick(['GET', 'PUT', 'DELETE', 'PATCH']), path: '/api/ai/chat' }),
    () => ({ method: 'GET', path: `/api/ai/chat/${r.pick(IDS)}` }),
    () => ({ method: 'GET', path: `/api/ai/chat/status?id=${r.pick(IDS)}` }),
    () => ({ method: 'GET', path: `/api/ai/chat/00000000-0000-4000-8000-000000000000?wait=${r.pick(['-1', 'abc', '99999999', '1e3', ''])}` }),
    () => ({ method: r.pick(['PUT', 'DELETE', 'POST']), path: '/api/ai/chat/00000000-0000-4000-8000-000000000000' }),
    () => ({ method: 'POST', path: `/api/ai/chat/${r.pick(IDS)}/${r.pick(['cancel', 'retry'])}`, body: json({ provider: 'openai' }) }),
    () => ({ method: 'GET', path: `/api/ai/chat/00000000-0000-4000-8000-000000000000/${r.pick(['cancel', 'retry'])}` }),
    () => ({ method: 'POST', path: '/api/ai/chat/00000000-0000-4000-8000-000000000000/retry', body: r.pick(['{', json({ provider: r.pick(ODD) }), json([]), 'x'.repeat(5000)]) }),
    () => ({ method: r.pick(['POST', 'DELETE']), path: '/api/ai/models' }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: 'hi', participants: r.pick([[], 'openai', [null], [{}], [{ provider: r.pick(ODD) }], [{ provider: 'openai', id: r.pick(ODD) }], [{ provider: 'openai', model: r.pick([5, '', 'gpt-2']) }], Array.from({ length: 9 }, () => ({ provider: 'gemini' }))]) }) }),
    () => ({ method: 'POST', path: `/api/ai/chat/${r.pick(IDS)}/messages`, body: json({ message: r.pick(['hi', '', 5]) }) }),
    () => ({ method: 'POST', path: '/api/ai/chat/00000000-0000-4000-8000-000000000000/messages', body: r.pick(['{', json({ message: 'hi', participants: r.pick([[], [r.pick(ODD)], 'all']) }), json({ text: 'hi' })]) }),
    () => ({ method: r.pick(['POST', 'DELETE']), path: `/api/ai/chat/${r.pick(IDS)}/turns/${r.pick(['1', '0', '-1', 'x', '99999'])}/pick`, body: json({ participant: r.pick(['openai', 5, r.pick(ODD)]) }) }),
    () => ({ method: 'GET', path: `/api/ai/chat/${r.pick(IDS)}/export?format=${r.pick(['md', 'json', 'pdf', ''])}` }),
    () => ({ method: 'POST', path: '/api/ai/chat', body: json({ message: 'hi' }), headers: { 'idempotency-key': r.pick(['', ' ', 'x'.repeat(300)]) } }),
    () => ({ method: 'POST', path: '/.netlify/functions/ai-chat-run-background', body: r.pick(['', '{', json({ chatId: '00000000-0000-4000-8000-000000000000', signature: 'x' }), json({ chatId: '../x' })]) }),
    () => ({ method: 'POST', path: '/.netlify/functions/ai-chat-run-sync', body: json({ chatId: '00000000-0000-4000-8000-000000000000', signature: 'forged', deadline: 1e15 }) }),
  ]
  return Array.from({ length: count }, () => r.pick(makers)())
}

describe('200 generated malformed requests', () => {
  it('get a 4xx (or the background function\'s silent 202), never a 5xx, and write nothing', async () => {
    // Create the trigger secret first, as any running deployment has one.
    await h.waitForFinal(await h.startChat())
    await h.platform.settle()
    h.providers.reset()
    const before = await h.blobs.keys()
    const cases = generateMalformed(200)
    const statuses = new Map<number, number>()
    for (const c of cases) {
      const answer = await h.api(c.path, { method: c.method, ...(c.body !== undefined ? { body: c.body as BodyInit } : {}), headers: { 'content-type': 'application/json', ...c.headers } })
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      expect(answer.status, `${c.method} ${c.path.slice(0, 80)} ${String(c.body).slice(0, 80)}`).toBeLessThan(500)
      // A path that matches no function at all (e.g. `..` segments resolved away) gets the platform's own 404.
      if (!c.path.startsWith('/.netlify/') && answer.body !== 'Not found') {
        expect(answer.status).toBeGreaterThanOrEqual(400)
        expect(answer.body).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.any(String) } })
      }
    }
    await h.platform.settle()
    expect(await h.blobs.keys()).toEqual(before)
    expect(h.providers.calls).toHaveLength(0)
    // The generator reaches many kinds of refusal, not one.
    expect([...statuses.keys()].filter((status) => status >= 400).length).toBeGreaterThanOrEqual(4)
  })
})

describe('40 concurrent chats with random provider faults', () => {
  it('every chat reaches a final state and every answer a provider gave is kept', async () => {
    // 120 answers: each of the nine fault plans about a dozen times.
    const CHATS = 40
    const r = prng(0xfa017)
    const FULL = (chat: number, p: ProviderId) => [`${p} `, 'answers ', `chat ${chat} `, 'in full.']
    type Plan = { replies: FakeReply[]; expect: { status: string; text?: string; code?: string } }
    const plans = new Map<string, Plan>()
    const planFor = (chat: number, p: ProviderId): Plan => {
      const chunks = FULL(chat, p)
      const full = chunks.join('')
      return r.pick<Plan>([
        { replies: [{ chunks, chunkMs: 10 }], expect: { status: 'done', text: full } },
        { replies: [{ chunks, chunkMs: 10 }], expect: { status: 'done', text: full } },
        { replies: [{ status: 429, retryAfter: '0' }, { chunks }], expect: { status: 'done', text: full } },
        { replies: [{ status: 529 }, { status: 503 }, { chunks }], expect: { status: 'done', text: full } },
        { replies: [{ status: 500 }], expect: { status: 'error', code: 'upstream' } },
        { replies: [{ status: 401 }], expect: { status: 'error', code: 'auth' } },
        { replies: [{ chunks, cutAfter: 2 }], expect: { status: 'error', code: 'stream_interrupted', text: chunks.slice(0, 2).join('') } },
        { replies: [{ chunks, hangAfter: 3 }], expect: { status: 'error', code: 'timeout', text: chunks.slice(0, 3).join('') } },
        { replies: [{ hang: true }], expect: { status: 'error', code: 'timeout', text: '' } },
      ])
    }
    const providers: readonly ProviderId[] = BUILT_IN_PROVIDER_IDS
    for (let chat = 0; chat < CHATS; chat++) for (const p of providers) plans.set(`${chat}/${p}`, planFor(chat, p))
    for (const p of providers) {
      h.providers.script(p, (call) => {
        const chat = Number(/chat #(\d+)/.exec(JSON.stringify(call.body))![1])
        const plan = plans.get(`${chat}/${p}`)!
        const nth = h.providers.calls.filter((c) => c.provider === p && JSON.stringify(c.body).includes(`chat #${chat}.`)).length - 1
        return plan.replies[Math.min(nth, plan.replies.length - 1)]!
      })
    }

    const ids = await Promise.all(Array.from({ length: CHATS }, (_, chat) => h.startChat({ message: `This is chat #${chat}.` })))
    const finals = await Promise.all(
      ids.map(async (chatId) => {
        for (let i = 0; ; i++) {
          const { status, body } = await h.api(`/api/ai/chat/${chatId}`)
          if (status === 200 && (body.status === 'completed' || body.status === 'failed')) return body
          if (i > 100) throw new Error(`chat ${chatId} not final: ${JSON.stringify(body).slice(0, 300)}`)
          await new Promise((resolve) => setTimeout(resolve, 500))
        }
      }),
    )
    finals.forEach((doc, chat) => {
      for (const p of providers) {
        const expected = plans.get(`${chat}/${p}`)!.expect
        const result = doc.results[p]
        expect(result.status, `chat ${chat} ${p}: ${JSON.stringify(result)} plan ${JSON.stringify(plans.get(`${chat}/${p}`))}`).toBe(expected.status)
        if (expected.text !== undefined) expect(result.text, `chat ${chat} ${p}: ${JSON.stringify(result)} plan ${JSON.stringify(plans.get(`${chat}/${p}`))}`).toBe(expected.text)
        if (expected.code) expect(result.error.code, `chat ${chat} ${p}`).toBe(expected.code)
      }
    })
    // Each provider was called exactly as often as its plan asked: nothing twice by accident.
    for (let chat = 0; chat < CHATS; chat++) {
      for (const p of providers) {
        const plan = plans.get(`${chat}/${p}`)!
        const expectedCalls = plan.expect.status === 'done' ? plan.replies.length : plan.expect.code === 'upstream' ? 3 : 1
        const calls = h.providers.calls.filter((c) => c.provider === p && JSON.stringify(c.body).includes(`chat #${chat}.`))
        expect(calls.length, `chat ${chat} ${p}`).toBe(expectedCalls)
      }
    }
  }, 120_000)
})
