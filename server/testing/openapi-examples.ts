/**
 * `npm run openapi:examples`: makes the examples of the OpenAPI document from real responses of the
 * demo providers (in-process functions, a real BlobsServer), and writes server/openapi-examples.json.
 * Timestamps, ids and versions are whatever the run produced; the openapi test checks every example
 * against its schema.
 */
import { writeFileSync } from 'node:fs'
import { createHarness } from './harness.ts'

const h = await createHarness({ AI_CHAT_DEMO: '1', AI_CHAT_DEMO_SPEED: '20', OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined, GEMINI_API_KEY: undefined })
try {
  const chatInput = { message: 'Explain idempotency in two sentences.', participants: [{ provider: 'openai', model: 'gpt-5-mini' }, { provider: 'openai', model: 'gpt-5' }, { provider: 'anthropic' }] }
  const accepted = await h.api('/api/ai/chat', { json: chatInput })
  const chatId = accepted.body.chatId as string
  await h.waitForFinal(chatId)
  const pick = await h.api(`/api/ai/chat/${chatId}/turns/1/pick`, { json: { participant: 'anthropic' } })
  const messageInput = { message: 'Now in one sentence.' }
  const turnAccepted = await h.api(`/api/ai/chat/${chatId}/messages`, { json: messageInput })
  // Cancel the second turn's slowest participant while it runs, then retry it.
  const cancel = await h.api(`/api/ai/chat/${chatId}/cancel`, { json: { participant: 'anthropic' } })
  await h.waitForFinal(chatId)
  const retry = await h.api(`/api/ai/chat/${chatId}/retry`, { json: { participant: 'anthropic' } })
  const status = await h.waitForFinal(chatId)
  const models = await h.api('/api/ai/models')
  const examples = {
    chatInput,
    accepted: accepted.body,
    status,
    messageInput,
    turnAccepted: turnAccepted.body,
    cancel: cancel.body,
    retry: retry.body,
    pick: pick.body,
    models: models.body,
  }
  const file = new URL('../openapi-examples.json', import.meta.url)
  writeFileSync(file, `${JSON.stringify(examples, null, 2)}\n`)
  console.log(`wrote ${file.pathname}`)
} finally {
  await h.close()
}
