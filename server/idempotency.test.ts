import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from './testing/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(() => h.close())
beforeEach(() => h.providers.reset())

const post = (json: unknown, key: string, path = '/api/ai/chat') => h.api(path, { json, headers: { 'idempotency-key': key } })
const chatCount = async () => (await h.blobs.keys('chats/')).filter((key) => key.endsWith('/request')).length

describe('Idempotency-Key', () => {
  it('a repeat with the same key and body returns the first answer again and starts nothing', async () => {
    const key = crypto.randomUUID()
    const body = { message: 'Once only', models: { openai: 'gpt-4.1' } }
    const first = await post(body, key)
    await h.waitForFinal(first.body.chatId)
    const before = await chatCount()
    // The same body with its keys in another order is the same request.
    const again = await post({ models: { openai: 'gpt-4.1' }, message: 'Once only' }, key)
    expect(again.status).toBe(202)
    expect(again.body).toEqual(first.body)
    expect(again.headers.get('location')).toBe(first.headers.get('location'))
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    await h.platform.settle()
    expect(await chatCount()).toBe(before)
    expect(h.providers.callsOf('openai')).toHaveLength(1)
  })

  it('two racing requests with one key create one chat', async () => {
    const key = crypto.randomUUID()
    const before = await chatCount()
    const [a, b] = await Promise.all([post({ message: 'Racing' }, key), post({ message: 'Racing' }, key)])
    expect([a.status, b.status]).toEqual([202, 202])
    expect(a.body.chatId).toBe(b.body.chatId)
    await h.waitForFinal(a.body.chatId)
    expect(await chatCount()).toBe(before + 1)
  })

  it('the same key with another body is 422 idempotency_mismatch, and writes nothing', async () => {
    const key = crypto.randomUUID()
    await post({ message: 'First body' }, key)
    await h.platform.settle()
    const before = await h.blobs.keys()
    const other = await post({ message: 'Another body' }, key)
    expect(other.status).toBe(422)
    expect(other.body.error).toEqual({ code: 'idempotency_mismatch', message: 'This Idempotency-Key was already used with a different request. Use a new key for a new request.' })
    expect(await h.blobs.keys()).toEqual(before)
  })

  it('a refused request forgets its key, so the corrected one can use it', async () => {
    const key = crypto.randomUUID()
    expect((await post({ message: 'x', models: { openai: 'gpt-2' } }, key)).status).toBe(400)
    expect((await post({ message: 'x', models: { openai: 'gpt-4.1' } }, key)).status).toBe(202)
    await h.platform.settle()
  })

  it('works for follow-up turns: a repeat gives the same turn', async () => {
    const chatId = await h.startChat({ message: 'Q1', models: { gemini: 'gemini-2.5-flash' } })
    await h.waitForFinal(chatId)
    const key = crypto.randomUUID()
    const first = await post({ message: 'Q2' }, key, `/api/ai/chat/${chatId}/messages`)
    const again = await post({ message: 'Q2' }, key, `/api/ai/chat/${chatId}/messages`)
    expect(first.body).toMatchObject({ turn: 2 })
    expect(again.body).toEqual(first.body)
    const doc = await h.waitForFinal(chatId)
    expect(doc.turns).toHaveLength(2)
    expect(h.providers.callsOf('gemini')).toHaveLength(2)
  })

  it('keys are scoped to the client: another client may use the same key', async () => {
    const key = crypto.randomUUID()
    const a = await h.api('/api/ai/chat', { json: { message: 'Mine' }, headers: { 'idempotency-key': key, 'x-nf-client-connection-ip': '198.51.100.10' } })
    const b = await h.api('/api/ai/chat', { json: { message: 'Mine' }, headers: { 'idempotency-key': key, 'x-nf-client-connection-ip': '198.51.100.11' } })
    expect(a.body.chatId).not.toBe(b.body.chatId)
    await h.platform.settle()
  })
})
