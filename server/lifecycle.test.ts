import { setTimeout as sleep } from 'node:timers/promises'
import { BUILT_IN_PROVIDER_IDS } from '../shared/catalogue.ts'
import { http, HttpResponse } from 'msw'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { chatPrefix, metaPrefix, resultKey } from './keys.ts'
import { allAdapters } from './providers/adapters.ts'
import { runChat } from './runner.ts'
import { ChatStore, type WriteCondition } from './store.ts'
import { makeChat } from './testing/chats.ts'
import { RUN_PATH } from './trigger.ts'
import { createHarness, type Harness } from './testing/harness.ts'

let h: Harness
beforeAll(async () => {
  // The default stall period: a run starved of CPU for seconds on a busy machine is not taken for a
  // dead one. Stall tests move the clock over it; the few that need real silence use shortStalls().
  h = await createHarness({ AI_CHAT_PROVIDER_TIMEOUT_MS: '8000', AI_CHAT_STALL_SECONDS: '30' })
})
afterAll(() => h.close())
beforeEach(() => {
  h.providers.reset()
  h.clearLogs()
})
const logs = () => h.logs
afterEach(() => vi.useRealTimers())

/**
 * Moves only the clock on (timers stay real): a participant's silence for a stall period, without
 * waiting for it. Used where no run is writing (lost triggers), so nothing but the stall rules sees it.
 */
function moveClock(ms: number): void {
  if (vi.isFakeTimers()) vi.setSystemTime(Date.now() + ms)
  else vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + ms })
}

/** One stall period and a bit (AI_CHAT_STALL_SECONDS is 30 here). */
const STALL = 30_100

/** A 2 s stall period for the tests of real silence and of the heartbeat, which take real time. */
function shortStalls() {
  beforeAll(() => h.setEnv({ AI_CHAT_STALL_SECONDS: '2' }))
  afterAll(() => h.setEnv({ AI_CHAT_STALL_SECONDS: '30' }))
}

const runUrl = () => `${h.platform.origin}${RUN_PATH}`
/** From now on every trigger of a background run is lost (the platform answers 500). */
const loseTriggers = () => h.use(http.post(runUrl(), () => new HttpResponse(null, { status: 500 })))
const deliverTriggers = () => h.use(http.post(runUrl(), ({ request }) => h.platform.fetch(request)))
const status = async (chatId: string) => (await h.api(`/api/ai/chat/${chatId}`)).body

const poll = (chatId: string, until: (doc: any) => boolean, timeoutMs = 8000) => h.pollUntil(chatId, until, timeoutMs)

describe('cancel', () => {
  it('stops queued and streaming providers, aborts the calls and keeps the text', async () => {
    h.providers.script('openai', { chunks: ['Kept ', 'words ', 'never sent'], hangAfter: 2 })
    h.providers.script('anthropic', { hang: true })
    h.providers.script('gemini', { chunks: ['Gemini done.'] })
    const chatId = await h.startChat()
    await poll(chatId, (doc) => doc.results.openai.text === 'Kept words ' && doc.results.gemini.status === 'done')
    const answer = await h.api(`/api/ai/chat/${chatId}/cancel`, { method: 'POST' })
    expect(answer.status).toBe(202)
    expect(answer.body).toMatchObject({ success: true, chatId, cancelled: ['openai', 'anthropic'], message: expect.stringContaining('still ends done') })
    // Neither would ever answer: both end as cancelled.
    const doc = await poll(chatId, (d) => d.status === 'completed' || d.status === 'failed')
    expect(doc.status).toBe('completed')
    expect(doc.results.openai).toMatchObject({ status: 'cancelled', ok: false, text: 'Kept words ' })
    expect(doc.results.anthropic).toMatchObject({ status: 'cancelled', text: '' })
    expect(doc.results.gemini.status).toBe('done')
    await h.platform.settle()
    expect(h.providers.callsOf('openai')[0]!.aborted).toBe(true)
    expect(h.providers.callsOf('anthropic')[0]!.aborted).toBe(true)
  })

  it('a provider cancelled before its run claimed it is claimed as cancelled: the chat never flips back to running', async () => {
    loseTriggers()
    let chatId = ''
    try {
      chatId = await h.startChat({ message: 'x', models: { gemini: 'gemini-2.5-flash' } })
      expect((await h.api(`/api/ai/chat/${chatId}/cancel`, { method: 'POST' })).status).toBe(202)
      const before = await status(chatId)
      expect(before).toMatchObject({ status: 'failed', results: { gemini: { status: 'cancelled' } } })
      // The reported finish is when the cancel came in, on every read.
      expect((await status(chatId)).completedAt).toBe(before.completedAt)
    } finally {
      deliverTriggers()
    }
    expect((await runChat(chatId, { store: h.blobs.store, adapters: allAdapters })).outcomes).toEqual({ gemini: 'cancelled' })
    expect(await status(chatId)).toMatchObject({ status: 'failed', results: { gemini: { status: 'cancelled', attempts: 0 } } })
    expect(h.providers.calls).toHaveLength(0)
  })

  it('answers 200 with no change when the chat is already final', async () => {
    const chatId = await h.startChat()
    await h.waitForFinal(chatId)
    const answer = await h.api(`/api/ai/chat/${chatId}/cancel`, { method: 'POST' })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ success: true, status: 'completed', cancelled: [] })
    expect((await h.blobs.keys(`${metaPrefix(chatId)}cancels/`))).toEqual([])
  })

  it('answers 400 for a participant id that is no participant, prototype names included', async () => {
    const chatId = await h.startChat({ message: 'x', models: { openai: 'gpt-4.1' } })
    await h.waitForFinal(chatId)
    for (const participant of ['constructor', '__proto__', 'toString', 'gemini']) {
      for (const action of ['cancel', 'retry']) {
        const answer = await h.api(`/api/ai/chat/${chatId}/${action}`, { json: { participant } })
        expect([answer.status, answer.body.error.code], `${action} ${participant}`).toEqual([400, 'invalid_request'])
      }
      expect((await h.api(`/api/ai/chat/${chatId}/turns/1/pick`, { json: { participant } })).status).toBe(400)
    }
  })

  it('answers 404 for an unknown chat and 400 for a bad id', async () => {
    expect((await h.api('/api/ai/chat/00000000-0000-4000-8000-000000000000/cancel', { method: 'POST' })).status).toBe(404)
    expect((await h.api('/api/ai/chat/nope/cancel', { method: 'POST' })).body.error.code).toBe('invalid_id')
  })
})

describe('retry', () => {
  it('starts a new attempt of one failed provider and calls nothing else', async () => {
    h.providers.script('anthropic', { status: 400 }, { chunks: ['Second time lucky.'], delayMs: 500 })
    const chatId = await h.startChat()
    const first = await h.waitForFinal(chatId)
    expect(first.results.anthropic).toMatchObject({ status: 'error', attempt: 1 })
    const answer = await h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'anthropic' } })
    expect(answer.status).toBe(202)
    expect(answer.body).toEqual({ success: true, chatId, participant: 'anthropic', provider: 'anthropic', turn: 1, attempt: 2, statusUrl: `/api/ai/chat/${chatId}` })
    const during = await status(chatId)
    expect(during.status).toBe('processing')
    expect(during.results.anthropic.attempt).toBe(2)
    const final = await h.waitForFinal(chatId)
    expect(final.results.anthropic).toMatchObject({ status: 'done', attempt: 2, text: 'Second time lucky.' })
    expect(h.providers.callsOf('anthropic')).toHaveLength(2)
    expect(h.providers.callsOf('openai')).toHaveLength(1)
    expect(h.providers.callsOf('gemini')).toHaveLength(1)
  })

  it('answers 409 for a provider that is done or still running, and for a second retry at once', async () => {
    h.providers.script('gemini', { status: 401 }, { chunks: ['ok'], delayMs: 300 })
    const chatId = await h.startChat()
    await h.waitForFinal(chatId)
    const done = await h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'openai' } })
    expect(done.status).toBe(409)
    expect(done.body.error.code).toBe('conflict')
    const [a, b] = await Promise.all([
      h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'gemini' } }),
      h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'gemini' } }),
    ])
    expect([a.status, b.status].sort()).toEqual([202, 409])
    const running = await h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'gemini' } })
    expect(running.status).toBe(409)
    await h.waitForFinal(chatId)
    expect(h.providers.callsOf('gemini')).toHaveLength(2)
  })

  it.each([
    [{ provider: 'mistral' }, 400, 'unknown_provider'],
    [{ provider: 5 }, 400, 'invalid_request'],
    [{}, 400, 'invalid_request'],
    [{ provider: 'openai', extra: 1 }, 400, 'invalid_request'],
  ])('refuses %j with %i %s and writes nothing', async (body, code, errorCode) => {
    h.providers.script('openai', { status: 400 })
    const chatId = await h.startChat({ message: 'x', models: { openai: 'gpt-4.1' } })
    await h.waitForFinal(chatId)
    const before = await h.blobs.keys(`${chatPrefix(chatId)}`)
    const answer = await h.api(`/api/ai/chat/${chatId}/retry`, { json: body })
    expect(answer.status).toBe(code)
    expect(answer.body.error.code).toBe(errorCode)
    expect(await h.blobs.keys(`${chatPrefix(chatId)}`)).toEqual(before)
  })

  it('retries a cancelled provider', async () => {
    h.providers.script('openai', { delayMs: 3000, chunks: ['slow'] }, { chunks: ['Fast this time.'] })
    const chatId = await h.startChat({ message: 'x', models: { openai: 'gpt-4.1' } })
    while (h.providers.callsOf('openai').length === 0) await sleep(10)
    await h.api(`/api/ai/chat/${chatId}/cancel`, { method: 'POST' })
    await poll(chatId, (d) => d.results.openai.status === 'cancelled')
    expect((await h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'openai' } })).status).toBe(202)
    const final = await h.waitForFinal(chatId)
    expect(final.results.openai).toMatchObject({ status: 'done', attempt: 2, text: 'Fast this time.' })
  })
})

describe('no chat is stuck forever', () => {
  it('a lost trigger is re-sent once by a status read and the chat completes', async () => {
    // Every try of the POST's trigger fails (it tries three times); later ones get through.
    let refused = 0
    h.use(http.post(runUrl(), ({ request }) => (refused++ < 3 ? new HttpResponse(null, { status: 500 }) : h.platform.fetch(request))))
    const chatId = await h.startChat()
    await h.platform.settle()
    expect(h.providers.calls).toHaveLength(0)
    // A stall period later, a status read re-sends the trigger (then the clock is real again).
    moveClock(STALL)
    await status(chatId)
    vi.useRealTimers()
    const doc = await h.waitForFinal(chatId, 8000)
    expect(doc.status).toBe('completed')
    expect(await h.blobs.keys(`${metaPrefix(chatId)}recoveries/`)).toEqual(['anthropic.1', 'gemini.1', 'openai.1'].map((name) => `${metaPrefix(chatId)}recoveries/1/${name}`))
    expect(logs().some((line) => line.includes('chat_stalled_retriggered'))).toBe(true)
    for (const p of BUILT_IN_PROVIDER_IDS) expect(h.providers.callsOf(p)).toHaveLength(1)
  })

  it('providers that stay silent after the re-trigger end as error/stalled, so the client stops polling', async () => {
    loseTriggers()
    try {
      const chatId = await h.startChat()
      moveClock(STALL)
      // Silent for a stall period: re-triggered once (the trigger is lost again)…
      expect((await status(chatId)).status).toBe('pending')
      expect(await h.blobs.keys(`${metaPrefix(chatId)}recoveries/`)).toHaveLength(3)
      moveClock(STALL)
      // …and still silent a stall period later: stalled, final.
      const doc = await status(chatId)
      expect(doc.status).toBe('failed')
      for (const p of BUILT_IN_PROVIDER_IDS) {
        expect(doc.results[p]).toMatchObject({ status: 'error', error: { code: 'stalled', retryable: true } })
      }
      // A stalled provider can be retried (its new attempt then runs on the real clock).
      deliverTriggers()
      expect((await h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'openai' } })).status).toBe(202)
      vi.useRealTimers()
      expect((await h.waitForFinal(chatId)).results.openai.status).toBe('done')
    } finally {
      deliverTriggers()
    }
  })

  it('a re-triggered run that writes and then dies ends as stalled too (not processing forever)', async () => {
    loseTriggers()
    try {
      const chatId = await h.startChat({ message: 'x', models: { openai: 'gpt-4.1' } })
      moveClock(STALL)
      await status(chatId)
      expect(await h.blobs.keys(`${metaPrefix(chatId)}recoveries/`)).toHaveLength(1)
      // What a re-triggered run that died after its first words leaves behind.
      const now = new Date().toISOString()
      await h.blobs.store.setJSON(resultKey(chatId, 1, 'openai', 1), { status: 'streaming', ok: false, text: 'half', provider: 'openai', model: 'gpt-4.1', attempt: 1, timings: { queuedAt: now, startedAt: now, firstTokenAt: now }, updatedAt: now, runId: 'dead' })
      expect((await status(chatId)).results.openai.status).toBe('streaming')
      moveClock(STALL)
      const doc = await status(chatId)
      expect(doc.results.openai).toMatchObject({ status: 'error', text: 'half', error: { code: 'stalled' } })
    } finally {
      deliverTriggers()
    }
  })

  it('a run that arrives after its providers were shown as stalled leaves them stalled and calls no one', async () => {
    loseTriggers()
    let chatId = ''
    try {
      chatId = await h.startChat({ message: 'x', models: { openai: 'gpt-4.1' } })
      moveClock(STALL)
      await status(chatId)
      moveClock(STALL)
      expect((await status(chatId)).results.openai.error.code).toBe('stalled')
    } finally {
      deliverTriggers()
    }
    const late = await h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'gemini' } })
    expect(late.status).toBe(400)
    const summary = await runChat(chatId, { store: h.blobs.store, adapters: allAdapters })
    expect(summary.outcomes).toEqual({ openai: 'skipped-stalled' })
    expect(h.providers.calls).toHaveLength(0)
    expect((await status(chatId)).results.openai.error.code).toBe('stalled')
  })

  it('each provider attempt is re-triggered once on its own: one that dies later is not shown stalled at once', async () => {
    h.providers.script('openai', { chunks: ['fast'] })
    const chatId = await h.startChat({ message: 'x', models: { openai: 'gpt-4.1', anthropic: 'claude-haiku-4-5' } })
    await h.platform.settle()
    const t = () => new Date().toISOString()
    const write = (provider: 'openai' | 'anthropic', doc: object) =>
      h.blobs.store.setJSON(resultKey(chatId, 1, provider, 1), { ok: false, provider, model: 'm', attempt: 1, runId: 'dead', ...doc })
    loseTriggers()
    try {
      // OpenAI's run died long ago; Anthropic's is alive now.
      const old = new Date(Date.now() - 60_000).toISOString()
      await write('openai', { status: 'streaming', text: 'a', timings: { queuedAt: old, startedAt: old }, updatedAt: old })
      await write('anthropic', { status: 'streaming', text: 'b', timings: { queuedAt: t(), startedAt: t() }, updatedAt: t() })
      await status(chatId)
      expect(await h.blobs.keys(`${metaPrefix(chatId)}recoveries/`)).toEqual([`${metaPrefix(chatId)}recoveries/1/openai.1`])
      // Anthropic's run dies too (only the clock moves on past a stall period): it gets its own
      // re-trigger, not an immediate stalled verdict.
      moveClock(STALL)
      const doc = await status(chatId).finally(() => vi.useRealTimers())
      expect(doc.results.anthropic.status).toBe('streaming')
      expect(await h.blobs.keys(`${metaPrefix(chatId)}recoveries/`)).toHaveLength(2)
      expect(doc.results.openai.error?.code).toBe('stalled')
    } finally {
      deliverTriggers()
    }
  })

  describe('with a 2 s stall period, in real time', () => {
    shortStalls()

    it('a client that only long-polls (since + wait, like the page) also sees the recovery and then stalled', async () => {
      loseTriggers()
      try {
        const chatId = await h.startChat({ message: 'x', models: { openai: 'gpt-4.1' } })
        let doc = (await h.api(`/api/ai/chat/${chatId}`)).body
        const end = Date.now() + 10_000
        while (doc.status !== 'failed' && Date.now() < end) {
          const next = await h.api(`/api/ai/chat/${chatId}?since=${doc.version}&wait=1000`)
          if (next.status === 200) doc = next.body
        }
        expect(doc.results.openai.error?.code).toBe('stalled')
        expect(await h.blobs.keys(`${metaPrefix(chatId)}recoveries/`)).toHaveLength(1)
      } finally {
        deliverTriggers()
      }
    })

    it('a run whose writes fail for a stall period gives its result up instead of coming back to life', async () => {
      h.providers.script('openai', { chunks: Array.from({ length: 30 }, (_, i) => `w${i} `), chunkMs: 100 })
      const chat = await makeChat(h.blobs.store, { message: 'x', models: { openai: 'gpt-4.1' } })
      const key = resultKey(chat.chatId, 1, 'openai', 1)
      let failUntil = 0
      class Outage extends ChatStore {
        override async setJSON(k: string, value: unknown, condition?: WriteCondition) {
          if (k === key && Date.now() < failUntil) throw new Error('blob store down')
          const written = await super.setJSON(k, value, condition)
          // After the first text is stored, the store goes down for 2.5 stall periods.
          if (k === key && (value as { status: string }).status === 'streaming' && !failUntil) failUntil = Date.now() + 5000
          return written
        }
      }
      const summary = await runChat(chat.chatId, { store: new Outage(), adapters: allAdapters })
      expect(summary.outcomes.openai).toBe('superseded')
      expect(h.providers.callsOf('openai')[0]!.aborted).toBe(true)
      const stored = await h.blobs.store.getJSON<any>(key)
      expect(stored.status).toBe('streaming')
    })

    it('a provider that waits two and a half stall periods for its first token is not re-triggered (heartbeat)', async () => {
      h.providers.script('gemini', { delayMs: 5000, chunks: ['Finally.'] })
      const chatId = await h.startChat({ message: 'Think hard', models: { gemini: 'gemini-2.5-pro' } })
      const doc = await poll(chatId, (d) => d.status === 'completed', 15_000)
      expect(doc.results.gemini.text).toBe('Finally.')
      expect(await h.blobs.keys(`${metaPrefix(chatId)}recoveries/`)).toEqual([])
      expect(h.providers.callsOf('gemini')).toHaveLength(1)
    })
  })
})

describe('the background function runs only for a signed trigger', () => {
  it.each([
    ['no body', undefined],
    ['a forged signature', JSON.stringify({ chatId: '00000000-0000-4000-8000-000000000000', signature: 'AAAA' })],
    ['garbage', '{not json'],
  ])('%s: calls no provider, writes nothing, logs a warning', async (_name, body) => {
    const chatId = await h.startChat({ message: 'x', models: { openai: 'gpt-4.1' } })
    await h.waitForFinal(chatId)
    h.providers.reset()
    const before = await h.blobs.keys()
    h.clearLogs()
    const forged = body?.replace('00000000-0000-4000-8000-000000000000', chatId)
    const answer = await h.api(RUN_PATH, { method: 'POST', ...(forged ? { body: forged } : {}) })
    expect(answer.status).toBe(202)
    await h.platform.settle()
    expect(h.providers.calls).toHaveLength(0)
    expect(await h.blobs.keys()).toEqual(before)
    expect(logs().some((line) => line.includes('trigger_refused'))).toBe(true)
  })
})
