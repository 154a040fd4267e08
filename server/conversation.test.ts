import { BUILT_IN_PROVIDER_IDS } from '../shared/catalogue.ts'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { CUT_MARK } from './history.ts'
import { turnKey } from './keys.ts'
import { allAdapters } from './providers/adapters.ts'
import { runChat } from './runner.ts'
import { createHarness, type Harness } from './testing/harness.ts'
import type { FakeCall } from './testing/fake-providers.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())

const THREE = { participants: [{ provider: 'openai', model: 'gpt-4.1' }, { provider: 'anthropic', model: 'claude-haiku-4-5' }, { provider: 'gemini' }] }

/** Each provider answers with its name and the turn it was asked in (counted from its own calls). */
function answerWithName() {
  for (const p of BUILT_IN_PROVIDER_IDS) h.providers.script(p, (_call, index) => ({ chunks: [`${p} answer ${index + 1}`] }))
}

const send = (chatId: string, json: unknown, headers: Record<string, string> = {}) => h.api(`/api/ai/chat/${chatId}/messages`, { json, headers })

/** What a call sent, as role/text pairs, whatever the API's shape. */
function conversation(call: FakeCall): Array<[string, string]> {
  if (call.wire === 'gemini') return (call.body.contents as any[]).map((c) => [c.role, c.parts.map((p: any) => p.text).join('')])
  return (call.body.messages as any[]).filter((m) => m.role !== 'system').map((m) => [m.role, m.content])
}

describe('follow-up turns', () => {
  it('three turns with three participants: each model receives its own answers only, in a valid alternation', async () => {
    answerWithName()
    const chatId = await h.startChat({ message: 'Q1', system: 'Be brief.', ...THREE })
    await h.waitForFinal(chatId)
    const second = await send(chatId, { message: 'Q2' })
    expect(second.status).toBe(202)
    expect(second.body).toEqual({ success: true, chatId, turn: 2, statusUrl: `/api/ai/chat/${chatId}` })
    expect(second.headers.get('location')).toBe(`/api/ai/chat/${chatId}`)
    await h.waitForFinal(chatId)
    expect((await send(chatId, { message: 'Q3' })).body.turn).toBe(3)
    const doc = await h.waitForFinal(chatId)

    for (const [provider, assistant] of [['openai', 'assistant'], ['anthropic', 'assistant'], ['gemini', 'model']] as const) {
      const third = h.providers.callsOf(provider)[2]!
      expect(conversation(third)).toEqual([
        ['user', 'Q1'],
        [assistant, `${provider} answer 1`],
        ['user', 'Q2'],
        [assistant, `${provider} answer 2`],
        ['user', 'Q3'],
      ])
    }
    // The system prompt travels with every turn, in each API's place for it.
    expect(h.providers.callsOf('openai')[2]!.body.messages).toContainEqual({ role: 'system', content: 'Be brief.' })
    expect(h.providers.callsOf('anthropic')[2]!.body.system).toBe('Be brief.')

    expect(doc.status).toBe('completed')
    expect(doc.request.message).toBe('Q1')
    expect(doc.turns.map((t: any) => [t.turn, t.message, t.status])).toEqual([
      [1, 'Q1', 'completed'],
      [2, 'Q2', 'completed'],
      [3, 'Q3', 'completed'],
    ])
    expect(doc.results.openai.text).toBe('openai answer 3')
    expect(doc.turns[0].results.openai.text).toBe('openai answer 1')
    // The total covers every turn.
    const sum = doc.turns.flatMap((t: any) => Object.values(t.results)).reduce((total: number, r: any) => total + r.cost.totalUsd, 0)
    expect(doc.totalCostUsd).toBeCloseTo(sum, 8)
  })

  it('a turn after one participant failed and one was cancelled mid-answer: no answer, and the cut text marked as cut', async () => {
    h.providers.script('openai', { status: 400 }, { chunks: ['ok'] })
    h.providers.script('anthropic', { chunks: ['Half ', 'never'], hangAfter: 1 }, { chunks: ['ok'] })
    const chatId = await h.startChat({ message: 'Q1', models: { openai: 'gpt-4.1', anthropic: 'claude-haiku-4-5' } })
    await h.pollUntil(chatId, (doc) => doc.results.anthropic.text === 'Half ' && doc.results.openai.status === 'error')
    expect((await h.api(`/api/ai/chat/${chatId}/cancel`, { method: 'POST' })).body.cancelled).toEqual(['anthropic'])
    await h.waitForFinal(chatId)
    await send(chatId, { message: 'Q2' })
    await h.waitForFinal(chatId)
    expect(conversation(h.providers.callsOf('openai')[1]!)).toEqual([['user', 'Q1\n\nQ2']])
    expect(conversation(h.providers.callsOf('anthropic')[1]!)).toEqual([
      ['user', 'Q1'],
      ['assistant', `Half ${CUT_MARK}`],
      ['user', 'Q2'],
    ])
  })

  it('a turn for some participants only: the others neither answer nor see it later', async () => {
    answerWithName()
    const chatId = await h.startChat({ message: 'Q1', ...THREE })
    await h.waitForFinal(chatId)
    await send(chatId, { message: 'Q2 for two', participants: ['gemini', 'openai'] })
    const doc = await h.waitForFinal(chatId)
    expect(Object.keys(doc.results)).toEqual(['openai', 'gemini'])
    expect(doc.turns[1].participants).toEqual(['openai', 'gemini'])
    expect(h.providers.callsOf('anthropic')).toHaveLength(1)
    await send(chatId, { message: 'Q3' })
    await h.waitForFinal(chatId)
    expect(conversation(h.providers.callsOf('anthropic')[1]!)).toEqual([
      ['user', 'Q1'],
      ['assistant', 'anthropic answer 1'],
      ['user', 'Q3'],
    ])
  })

  it('is refused while a participant of the latest turn runs (409, naming it), and for unknown participants (400)', async () => {
    h.providers.script('openai', { chunks: ['slow'], delayMs: 500 })
    const chatId = await h.startChat({ message: 'Q1', models: { openai: 'gpt-4.1', gemini: 'gemini-2.5-flash' } })
    const running = await send(chatId, { message: 'Too soon' })
    expect(running.status).toBe(409)
    expect(running.body.error).toEqual({ code: 'conflict', message: expect.stringMatching(/^Wait for turn 1 to finish first: openai is (queued|streaming)/) })
    await h.waitForFinal(chatId)
    const unknown = await send(chatId, { message: 'Q2', participants: ['mistral'] })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.message).toBe('Unknown participant "mistral". This chat\'s participants: openai, gemini.')
    expect((await h.api(`/api/ai/chat/00000000-0000-4000-8000-000000000000/messages`, { json: { message: 'x' } })).status).toBe(404)
    expect((await send(chatId, { message: '' })).status).toBe(400)
  })

  it('moves the expiry forward with each turn', async () => {
    const chatId = await h.startChat({ message: 'Q1', models: { gemini: 'gemini-2.5-flash' } })
    const first = await h.waitForFinal(chatId)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 })
    try {
      await send(chatId, { message: 'Q2' })
    } finally {
      vi.useRealTimers()
    }
    const second = await h.waitForFinal(chatId)
    expect(Date.parse(second.expiresAt) - Date.parse(first.expiresAt)).toBeGreaterThanOrEqual(60_000)
    expect(Date.parse(second.expiresAt) - Date.parse(second.turns[1].createdAt)).toBe(3_600_000)
  })

  it.each([
    ['more turns than AI_CHAT_MAX_TURNS', { AI_CHAT_MAX_TURNS: '1' }, 'This chat has reached its limit of 1 turns. Start a new chat to go on.'],
    ['a history longer than AI_CHAT_MAX_CONTEXT_CHARS', { AI_CHAT_MAX_CONTEXT_CHARS: '20' }, /^The conversation of gemini would be \d+ characters long with this message; the limit is 20\./],
  ])('refuses %s with 413 and writes nothing', async (_name, env, message) => {
    const chatId = await h.startChat({ message: 'Q1', models: { gemini: 'gemini-2.5-flash' } })
    await h.waitForFinal(chatId)
    await refusedTurn(chatId, env, message)
  })

  it('refuses a turn that could take the document past its size budget (413), so no response passes 6 MB', async () => {
    // Eight participants whose answers filled their 100,000 characters: the document holds 1.6 MB;
    // eight more answers could add 4.8 MB.
    h.providers.script('gemini', { chunks: Array.from({ length: 10 }, () => 'x'.repeat(10_000)) })
    const chatId = await h.startChat({ message: 'Q1', participants: Array.from({ length: 8 }, () => ({ provider: 'gemini' })) })
    const doc = await h.waitForFinal(chatId, 20_000)
    expect(Object.values(doc.results).every((r: any) => r.text.length === 100_000)).toBe(true)
    await refusedTurn(chatId, {}, 'This conversation is too long to continue: with 8 more answers it could pass 5 MB. Start a new chat, or continue with fewer participants.')
  })

  async function refusedTurn(chatId: string, env: Record<string, string>, message: string | RegExp) {
    h.setEnv(env)
    try {
      const answer = await send(chatId, { message: 'Q2' })
      expect(answer.status).toBe(413)
      expect(answer.body.error.code).toBe('payload_too_large')
      expect(answer.body.error.message).toMatch(message)
      expect(await h.blobs.store.getJSON(turnKey(chatId, 2))).toBeNull()
    } finally {
      h.setEnv(Object.fromEntries(Object.keys(env).map((name) => [name, undefined])))
    }
  }

  it('a redelivered trigger of turn 2 calls no provider twice', async () => {
    const chatId = await h.startChat({ message: 'Q1', models: { openai: 'gpt-4.1', gemini: 'gemini-2.5-flash' } })
    await h.waitForFinal(chatId)
    await send(chatId, { message: 'Q2' })
    await h.waitForFinal(chatId)
    const again = await runChat(chatId, { store: h.blobs.store, adapters: allAdapters, turn: 2 })
    expect(again).toMatchObject({ turn: 2, outcomes: { openai: 'skipped-final', gemini: 'skipped-final' } })
    expect(h.providers.callsOf('openai')).toHaveLength(2)
    expect(h.providers.callsOf('gemini')).toHaveLength(2)
  })

  it('cancel and retry act on the latest turn', async () => {
    h.providers.script('anthropic', { chunks: ['ok'] }, { status: 500 }, { chunks: ['retried'] })
    h.setEnv({ AI_CHAT_PROVIDER_MAX_CALLS: '1' })
    try {
      const chatId = await h.startChat({ message: 'Q1', models: { anthropic: 'claude-haiku-4-5' } })
      await h.waitForFinal(chatId)
      await send(chatId, { message: 'Q2' })
      expect((await h.waitForFinal(chatId)).results.anthropic.status).toBe('error')
      const retry = await h.api(`/api/ai/chat/${chatId}/retry`, { json: { participant: 'anthropic' } })
      expect(retry.body).toMatchObject({ turn: 2, attempt: 2 })
      const doc = await h.waitForFinal(chatId)
      expect(doc.results.anthropic).toMatchObject({ status: 'done', text: 'retried', attempt: 2 })
      expect(doc.turns[0].results.anthropic).toMatchObject({ text: 'ok', attempt: 1 })
    } finally {
      h.setEnv({ AI_CHAT_PROVIDER_MAX_CALLS: undefined })
    }
  })
})

describe('participants of one provider', () => {
  it('retrying one of two participants of a provider calls only it, and leaves the other as it was', async () => {
    h.providers.script('openai/gpt-5', { status: 400 }, { chunks: ['Second try.'] })
    h.providers.script('openai/gpt-5-mini', { chunks: ['Mini.'] })
    const chatId = await h.startChat({ message: 'Q1', participants: [{ provider: 'openai', model: 'gpt-5' }, { provider: 'openai', model: 'gpt-5-mini' }] })
    const failed = await h.waitForFinal(chatId)
    expect(failed.results.openai.status).toBe('error')
    // {provider} is ambiguous here: the message lists who uses it.
    const ambiguous = await h.api(`/api/ai/chat/${chatId}/retry`, { json: { provider: 'openai' } })
    expect([ambiguous.status, ambiguous.body.error.message]).toEqual([400, 'Several participants use openai (openai, openai-2): send {"participant": "<id>"} to say which one to retry.'])
    expect((await h.api(`/api/ai/chat/${chatId}/retry`, { json: { participant: 'openai' } })).body).toMatchObject({ participant: 'openai', provider: 'openai', attempt: 2 })
    const doc = await h.waitForFinal(chatId)
    expect(doc.results.openai).toMatchObject({ status: 'done', text: 'Second try.', attempt: 2 })
    expect(doc.results['openai-2']).toEqual(failed.results['openai-2'])
    expect(h.providers.callsOf('openai', 'gpt-5-mini')).toHaveLength(1)
  })
})

describe('a follow-up in sync mode', () => {
  it('answers 200 with the finished document of the new turn', async () => {
    const chatId = await h.startChat({ message: 'Q1', models: { gemini: 'gemini-2.5-flash' } })
    await h.waitForFinal(chatId)
    const answer = await h.api(`/api/ai/chat/${chatId}/messages?mode=sync`, { json: { message: 'Q2' } })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ status: 'completed', turns: [{ turn: 1 }, { turn: 2, status: 'completed' }], results: { gemini: { status: 'done' } } })
  })
})

describe('picking the best answer', () => {
  it('records a pick per turn, replaces it, clears it, and changes the version each time', async () => {
    const chatId = await h.startChat({ message: 'Q1', models: { openai: 'gpt-4.1', gemini: 'gemini-2.5-flash' } })
    const before = await h.waitForFinal(chatId)
    const pick = (participant: string) => h.api(`/api/ai/chat/${chatId}/turns/1/pick`, { json: { participant } })
    expect((await pick('gemini')).body).toEqual({ success: true, chatId, turn: 1, pick: 'gemini' })
    const picked = (await h.api(`/api/ai/chat/${chatId}`)).body
    expect(picked.turns[0].pick).toBe('gemini')
    expect(picked.version).not.toBe(before.version)
    await pick('openai')
    expect((await h.api(`/api/ai/chat/${chatId}`)).body.turns[0].pick).toBe('openai')
    const cleared = await h.api(`/api/ai/chat/${chatId}/turns/1/pick`, { method: 'DELETE' })
    expect(cleared.body).toEqual({ success: true, chatId, turn: 1, pick: null })
    const after = (await h.api(`/api/ai/chat/${chatId}`)).body
    expect(after.turns[0].pick).toBeNull()
  })

  it('refuses a participant without a done answer (400) and an unknown turn (404)', async () => {
    h.providers.script('openai', { status: 400 })
    const chatId = await h.startChat({ message: 'Q1', models: { openai: 'gpt-4.1', gemini: 'gemini-2.5-flash' } })
    await h.waitForFinal(chatId)
    const failed = await h.api(`/api/ai/chat/${chatId}/turns/1/pick`, { json: { participant: 'openai' } })
    expect(failed.status).toBe(400)
    expect(failed.body.error.message).toMatch(/openai has no finished answer in turn 1/)
    expect((await h.api(`/api/ai/chat/${chatId}/turns/1/pick`, { json: { participant: 'mistral' } })).status).toBe(400)
    expect((await h.api(`/api/ai/chat/${chatId}/turns/2/pick`, { json: { participant: 'gemini' } })).status).toBe(404)
    expect((await h.api(`/api/ai/chat/${chatId}/turns/zero/pick`, { json: { participant: 'gemini' } })).status).toBe(404)
  })
})

describe('export', () => {
  it('gives the whole conversation as Markdown and JSON, as a download named after the chat', async () => {
    answerWithName()
    const chatId = await h.startChat({ message: 'Explain CRDTs in one paragraph, please', temperature: 0.3, ...THREE })
    await h.waitForFinal(chatId)
    await h.api(`/api/ai/chat/${chatId}/turns/1/pick`, { json: { participant: 'anthropic' } })
    await send(chatId, { message: 'Shorter.' })
    const doc = await h.waitForFinal(chatId)

    const md = await h.api(`/api/ai/chat/${chatId}/export?format=md`)
    expect(md.status).toBe(200)
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
    const date = doc.createdAt.slice(0, 10)
    expect(md.headers.get('content-disposition')).toBe(`attachment; filename="explain-crdts-in-one-paragraph-${date}.md"`)
    const text: string = md.body
    expect(text).toContain('# Explain CRDTs in one paragraph, please')
    expect(text).toContain('## Turn 1')
    expect(text).toContain('## Turn 2')
    expect(text).toContain('> Shorter.')
    expect(text).toContain('### anthropic · Anthropic / claude-haiku-4-5 · ★ picked as best')
    expect(text).toContain('anthropic answer 2')
    expect(text).toMatch(/Sent to openai: model gpt-4\.1, max 4096 tokens, temperature 0\.3/)
    expect(text).toMatch(/done · first token \d+ ms · total \d+ ms · 12 → \d+ tokens · \$/)
    // Turn 2's answers come after turn 1's.
    expect(text.indexOf('openai answer 2')).toBeGreaterThan(text.indexOf('openai answer 1'))

    const json = await h.api(`/api/ai/chat/${chatId}/export?format=json`)
    expect(json.headers.get('content-disposition')).toMatch(/filename="explain-crdts-in-one-paragraph-\d{4}-\d{2}-\d{2}\.json"/)
    expect(json.body.turns).toHaveLength(2)
    expect(json.body.turns[0].pick).toBe('anthropic')
    expect(json.body.turns[1].results.gemini.text).toBe('gemini answer 2')
    expect((await h.api(`/api/ai/chat/${chatId}/export?format=pdf`)).status).toBe(400)
  })
})
