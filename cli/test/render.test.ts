import { describe, expect, it } from 'vitest'
import type { ProviderResult, StatusDocument } from '../../shared/types.ts'
import { createEventRenderer, createLiveRenderer, liveLines, writeAnswers } from '../src/render.js'

const at = (milliseconds: number) => new Date(Date.parse('2026-01-05T10:00:00.000Z') + milliseconds).toISOString()
const ANSWER = 'The whole answer, which the live view never shows.'

const queued: ProviderResult = { status: 'queued', ok: false, text: '', provider: 'openai', model: 'gpt-5-mini', attempt: 1, timings: { queuedAt: at(0) } }
const streaming: ProviderResult = {
  ...queued,
  status: 'streaming',
  text: 'The whole',
  timings: { queuedAt: at(0), startedAt: at(100), firstTokenAt: at(520) },
}
const done: ProviderResult = {
  ...streaming,
  status: 'done',
  ok: true,
  text: ANSWER,
  usage: { inputTokens: 12, outputTokens: 154 },
  timings: { ...streaming.timings, finishedAt: at(912) },
  cost: { inputUsd: 0.0001, outputUsd: 0.0002, totalUsd: 0.0003 },
}
const failed: ProviderResult = {
  ...queued,
  provider: 'anthropic',
  model: 'claude-haiku-4-5',
  status: 'error',
  error: { code: 'rate_limited', message: 'Anthropic is rate limiting this key.', retryable: true },
  timings: { queuedAt: at(0), startedAt: at(100), finishedAt: at(400) },
}

let version = 0
function doc(results: Record<string, ProviderResult>): StatusDocument {
  return {
    success: true,
    chatId: '3f0c2a9e-5d1b-4c7a-9e2f-8a6b4c3d2e1f',
    status: 'processing',
    results,
    request: { message: 'Compare', maxTokens: 1024 },
    demo: false,
    createdAt: at(0),
    completedAt: null,
    expiresAt: at(3_600_000),
    version: `v${++version}`,
  }
}

function fakeTerminal(columns = 120) {
  const writes: string[] = []
  return { isTTY: true, columns, writes, write: (chunk: string) => writes.push(chunk) }
}

describe('the live view', () => {
  it('draws a header and one line per participant with status, time to first token, elapsed, tokens, tok/s and cost', () => {
    const lines = liveLines(doc({ openai: done, anthropic: { ...streaming, provider: 'anthropic', model: 'claude-haiku-4-5' } }), Date.parse(at(1100)))

    expect(lines).toEqual([
      'id         model             status     ttft    elapsed  tokens   tok/s  cost',
      'openai     gpt-5-mini        done       420 ms  812 ms   154      393    $0.0003',
      'anthropic  claude-haiku-4-5  streaming  420 ms  1.0 s    9 chars',
    ])
  })

  it('redraws in place: the next frame moves the cursor up over the lines drawn and clears each line', () => {
    const terminal = fakeTerminal()
    const view = createLiveRenderer(terminal, { now: () => Date.parse(at(700)) })

    view.update(doc({ openai: streaming, anthropic: queued }))
    view.update(doc({ openai: { ...streaming, text: ANSWER }, anthropic: failed }))
    view.end()

    const [first, second, last] = terminal.writes
    expect(first).toMatch(/^\r\x1b\[\?25l(\x1b\[2K[^\n\x1b]*\n){3}$/)
    expect(second).toMatch(/^\x1b\[3A\r(\x1b\[2K[^\n\x1b]*\n){3}$/)
    expect(second).toMatch(/anthropic +claude-haiku-4-5 +error .* rate_limited\n/)
    expect(last).toBe('\r\x1b[2K\x1b[?25h')
    expect(terminal.writes).toHaveLength(3)
    expect(terminal.writes.join('')).not.toContain(ANSWER)
  })

  it('writes nothing when the frame has not changed', () => {
    const terminal = fakeTerminal()
    const view = createLiveRenderer(terminal, { now: () => Date.parse(at(700)) })

    view.update(doc({ openai: done }))
    view.update(doc({ openai: done }))
    view.tick()

    expect(terminal.writes).toHaveLength(1)
  })

  it("cuts lines to the terminal's width, so that none wraps", () => {
    const terminal = fakeTerminal(30)
    createLiveRenderer(terminal, { now: () => Date.parse(at(700)) }).update(doc({ openai: done }))

    const lines = terminal.writes[0]!.replace('\r\x1b[?25l', '').split('\n').slice(0, -1)
    expect(lines.map((line) => line.replace('\x1b[2K', '').length)).toEqual([29, 29])
  })

  it('shows a failing connection under the lines until it recovers', () => {
    const terminal = fakeTerminal()
    const view = createLiveRenderer(terminal, { now: () => Date.parse(at(700)) })

    view.update(doc({ openai: streaming }))
    view.problem({ message: 'Could not reach http://localhost:8888 (ECONNREFUSED).' })
    view.problem(null)

    expect(terminal.writes[1]).toMatch(/\x1b\[2Kreconnecting: Could not reach http:\/\/localhost:8888 \(ECONNREFUSED\)\.\n$/)
    expect(terminal.writes[2]).toMatch(/^\x1b\[3A\r(\x1b\[2K[^\n\x1b]*\n){2}\x1b\[2K\n$/)
  })
})

describe('the event view', () => {
  it('prints a line when a status changes, not when the text grows', () => {
    const lines: string[] = []
    const view = createEventRenderer({ write: (chunk: string) => lines.push(chunk) })

    view.update(doc({ openai: queued }))
    view.update(doc({ openai: streaming }))
    view.update(doc({ openai: { ...streaming, text: 'The whole answer' } }))
    view.update(doc({ openai: done }))
    view.update(doc({ openai: { ...queued, attempt: 2 } }))

    expect(lines).toEqual([
      'openai gpt-5-mini queued\n',
      'openai gpt-5-mini streaming\n',
      'openai gpt-5-mini done 812 ms 154 tokens $0.0003\n',
      'openai gpt-5-mini queued\n',
    ])
  })
})

describe('the answers', () => {
  it("prints each answer under a header, an error's message in place of a missing answer", () => {
    let out = ''
    writeAnswers(doc({ openai: { ...done, truncated: true }, anthropic: failed }), { write: (chunk: string) => (out += chunk) })

    expect(out).toBe(
      `\n=== openai (gpt-5-mini) ===\n${ANSWER}\n\n[cut at the server's answer limit]\n` +
        '\n=== anthropic (claude-haiku-4-5) error ===\nrate_limited: Anthropic is rate limiting this key.\n',
    )
  })
})
