/**
 * The CLI against the app itself, served in-process (server/testing/serve.ts): the real functions
 * and a real BlobsServer, with msw playing the providers in their wire formats. What a script
 * relies on: `--json` is the status document the API serves, and `--chat <id> "…"` continues a
 * chat. (The CLI on `npm start` is in web/e2e/cli.e2e.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../server/testing/harness.ts'
import { serve, type Served } from '../../server/testing/serve.ts'
import { run } from './run-cli.ts'

let h: Harness
let app: Served
beforeAll(async () => {
  h = await createHarness()
  // Each provider answers which turn it was asked in (the follow-up's message marks turn 2), as the model asked.
  for (const p of ['openai', 'anthropic']) {
    h.providers.script(p, (call) => ({ model: call.model, chunks: [`${p} `, `answers turn ${JSON.stringify(call.body).includes('Second question') ? 2 : 1}.`], chunkMs: 20 }))
  }
  app = await serve(h.platform)
})
afterAll(async () => {
  await app?.close()
  await h?.close()
})

// Polls held as long as the page's, and no give-up on a slow machine.
const cli = (args: string[]) => run(app, args, { env: { AI_CHAT_CLI_POLL_WAIT_MS: '2000', AI_CHAT_CLI_GIVE_UP_MS: '20000' } })
const HINT = /^Chat ([0-9a-f-]{36})\. Continue it with: ai-gateway-chat --chat \1 "…"$/m

describe('the CLI against the app served in-process', () => {
  it('prints with --json exactly the status document the API serves for the finished chat, and exits 0', async () => {
    const { code, stdout, stderr } = await cli(['--json', '-m', 'openai', '-m', 'anthropic:claude-haiku-4-5', 'Hello as JSON'])
    expect(code, stderr).toBe(0)
    const printed = JSON.parse(stdout)
    expect(printed).toMatchObject({ success: true, status: 'completed', request: { message: 'Hello as JSON' } })
    expect(printed.results.openai).toMatchObject({ status: 'done', text: 'openai answers turn 1.' })
    expect(printed.results.anthropic).toMatchObject({ status: 'done', model: 'claude-haiku-4-5', text: 'anthropic answers turn 1.' })
    const served = await h.api(`/api/ai/chat/${printed.chatId}`)
    expect(printed).toEqual(served.body)
  })

  it('sends the next turn with --chat <id> "…", shows that turn, and the chat holds both', async () => {
    const first = await cli(['-m', 'openai', '-m', 'anthropic:claude-haiku-4-5', 'First question'])
    expect(first.code, first.stderr).toBe(0)
    const chatId = HINT.exec(first.stderr)?.[1]
    expect(chatId, first.stderr).toBeDefined()

    const next = await cli(['--chat', chatId!, 'Second question'])
    expect(next.code, next.stderr).toBe(0)
    expect(next.stdout).toMatch(/^openai gpt-5-mini done .+$/m)
    expect(next.stdout).toContain('=== openai (gpt-5-mini) ===\nopenai answers turn 2.')
    expect(next.stdout).toContain('=== anthropic (claude-haiku-4-5) ===\nanthropic answers turn 2.')
    expect(next.stdout).not.toContain('turn 1.')
    const { body: doc } = await h.api(`/api/ai/chat/${chatId}`)
    expect(doc.turns.map((turn: { message: string; status: string }) => `${turn.message}: ${turn.status}`)).toEqual(['First question: completed', 'Second question: completed'])
  })
})
