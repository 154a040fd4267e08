/**
 * The CLI (`npx ai-gateway-chat`, cli/) against the shared `npm start` in demo mode, as a script or a
 * CI log runs it: stdout is a pipe, not a terminal, so it prints one plain line per state change and
 * then the answers (its other modes, --json, --md and --chat, are tested against a fake server in
 * cli/test). It runs on the project's Node (node_modules/.bin/node, the `node` devDependency).
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { call, origin } from './server-client.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** The bin as npm links it for `npx ai-gateway-chat`. */
const BIN = `${ROOT}node_modules/.bin/ai-gateway-chat`
const NODE = `${ROOT}node_modules/.bin/node`

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function cli(args: string[]): Promise<Run> {
  const child = spawn(NODE, [BIN, ...args], {
    env: {
      // Only what a shell would pass; no token, no terminal.
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AI_CHAT_URL: origin(),
      // The longest hold the server allows (the CLI's test knob; 2 s by default): the server still
      // answers at each state change, and each poll costs the emulator a fresh worker.
      AI_CHAT_CLI_POLL_WAIT_MS: '10000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const HINT = /^Chat ([0-9a-f-]{36})\. Continue it with: ai-gateway-chat --chat \1 "…"$/m

/** The event lines of one participant, as `[status, rest]`. */
function events(stdout: string, id: string, model: string): string[] {
  const head = `${id} ${model} `
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(head))
    .map((line) => line.slice(head.length))
}

/** The answer printed under `=== <id> (<model>) ===`, up to the next header. */
function answer(stdout: string, id: string, model: string): string | undefined {
  const header = `\n=== ${id} (${model}) ===\n`
  const start = stdout.indexOf(header)
  if (start < 0) return undefined
  const rest = stdout.slice(start + header.length)
  const next = rest.search(/\n=== [\w-]+ \(.+\) ===\n/)
  return next < 0 ? rest : rest.slice(0, next)
}

/** Each participant goes forward (queued → streaming → done), ending with a done line that has its figures. */
function expectProgress(stdout: string, id: string, model: string) {
  const lines = events(stdout, id, model)
  const order = ['queued', 'streaming', 'done']
  const statuses = lines.map((line) => line.split(' ')[0]!)
  expect(statuses.length, stdout).toBeGreaterThanOrEqual(2)
  expect(statuses.every((status, i) => i === 0 || order.indexOf(status) > order.indexOf(statuses[i - 1]!)), stdout).toBe(true)
  expect(lines.at(-1)).toMatch(/^done [\d.]+ m?s \d+ tokens \$\d+\.\d{4}$/)
}

describe('the CLI against npm start (demo mode), its output piped', () => {
  it('asks two participants and prints an event line per state change, then both answers; exit 0', async () => {
    const run = await cli(['-m', 'openai', '-m', 'anthropic:claude-haiku-4-5', 'Explain CRDTs in one paragraph'])
    expect(run.code, run.stderr).toBe(0)
    // Plain lines only: no cursor movement or colour for a pipe.
    expect(run.stdout).not.toContain('\x1b[')
    expectProgress(run.stdout, 'openai', 'gpt-5-mini')
    expectProgress(run.stdout, 'anthropic', 'claude-haiku-4-5')

    const chatId = HINT.exec(run.stderr)?.[1] ?? ''
    expect(chatId, run.stderr).not.toBe('')
    // The answers printed are the server's, whole.
    const { body: doc } = await call(`/api/ai/chat/${chatId}`)
    expect(doc.status).toBe('completed')
    expect(answer(run.stdout, 'openai', 'gpt-5-mini')).toBe(doc.results.openai.text)
    expect(answer(run.stdout, 'anthropic', 'claude-haiku-4-5')).toBe(doc.results.anthropic.text)
    expect(doc.results.anthropic.text).toContain('> Explain CRDTs in one paragraph')
  })
})
