/**
 * The real bin, run as a child process against a fake server that speaks the REST contract.
 * The CLI's waits are shortened through its AI_CHAT_CLI_* variables; the fake moves one step per
 * poll, so no test depends on the clock.
 */
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { startFakeServer, type FakeOptions, type FakeServer } from './fake-server.ts'
import { run } from './run-cli.ts'

const servers: FakeServer[] = []
async function fake(options?: FakeOptions) {
  const server = await startFakeServer(options)
  servers.push(server)
  return server
}
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()))
})

const followUpHint = (id: string) => `Chat ${id}. Continue it with: ai-gateway-chat --chat ${id} "…"\n`
const posts = (server: FakeServer, path: string) => server.requests.filter((r) => r.method === 'POST' && r.path === path)
const onlyChatId = (server: FakeServer) => [...server.chats.keys()][0]!

const EVENTS = [
  'openai gpt-5-mini queued',
  'anthropic claude-haiku-4-5 queued',
  'openai gpt-5-mini streaming',
  'anthropic claude-haiku-4-5 streaming',
  'openai gpt-5-mini done 812 ms 154 tokens $0.0003',
  'anthropic claude-haiku-4-5 done 1.2 s 98 tokens $0.0005',
]
const answers = (message: string) => [
  '',
  '=== openai (gpt-5-mini) ===',
  `openai answers "${message}".`,
  'Second line.',
  '',
  '=== anthropic (claude-haiku-4-5) ===',
  `anthropic answers "${message}".`,
  'Second line.',
  '',
]

describe('a new chat', () => {
  it('prints one line per state change, then the answers, and exits 0', async () => {
    const server = await fake()
    const { code, stdout, stderr } = await run(server, ['Compare'])

    expect(stdout.split('\n')).toEqual([...EVENTS, ...answers('Compare')])
    expect(stderr).toBe(followUpHint(onlyChatId(server)))
    expect(code).toBe(0)
  })

  it('long-polls the status with since, wait and turns=latest, one request at a time', async () => {
    const server = await fake()
    await run(server, ['Compare'])

    const id = onlyChatId(server)
    const polls = server.requests.filter((r) => r.method === 'GET').map((r) => `${r.path}?${r.query}`)
    expect(polls).toEqual([
      `/api/ai/chat/${id}?turns=latest`,
      `/api/ai/chat/${id}?since=v1&wait=50&turns=latest`,
      `/api/ai/chat/${id}?since=v2&wait=50&turns=latest`,
      `/api/ai/chat/${id}?since=v3&wait=50&turns=latest`,
    ])
    expect(server.maxInFlight).toBe(1)
  })

  it('sends the participants, splitting -m at the first colon, and the chat-level settings', async () => {
    const server = await fake()
    const args = ['-m', 'ollama:llama3.2:3b', '-m', 'openai', '--system', 'Be brief.', '--temperature', '0.5', '--max-tokens', '200', 'Hi']
    const { code, stdout } = await run(server, args)

    expect(posts(server, '/api/ai/chat')[0]!.body).toEqual({
      message: 'Hi',
      participants: [{ provider: 'ollama', model: 'llama3.2:3b' }, { provider: 'openai' }],
      system: 'Be brief.',
      temperature: 0.5,
      maxTokens: 200,
    })
    expect(stdout).toContain('ollama llama3.2:3b done 812 ms 154 tokens $0.0003\n')
    expect(code).toBe(0)
  })

  it('reads the prompt from stdin when none is given', async () => {
    const server = await fake()
    const { code } = await run(server, [], { input: 'A prompt from a pipe\n' })

    expect(posts(server, '/api/ai/chat')[0]!.body).toEqual({ message: 'A prompt from a pipe' })
    expect(code).toBe(0)
  })

  it('sends the access token from AI_CHAT_ACCESS_TOKEN, or from --token', async () => {
    const server = await fake()
    await run(server, ['Hi'], { env: { AI_CHAT_ACCESS_TOKEN: 'from-env' } })
    await run(server, ['--token', 'from-flag', 'Hi'], { env: { AI_CHAT_ACCESS_TOKEN: 'from-env' } })

    const tokens = new Set(server.requests.map((r) => r.headers.authorization))
    expect(tokens).toEqual(new Set(['Bearer from-env', 'Bearer from-flag']))
  })

  it('prints the final status document with --json', async () => {
    const server = await fake()
    const { code, stdout, stderr } = await run(server, ['--json', 'Compare'])

    expect(JSON.parse(stdout)).toEqual(server.document(onlyChatId(server)))
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })

  it('prints the Markdown export with --md', async () => {
    const server = await fake()
    const { code, stdout } = await run(server, ['--md', 'Compare'])

    const exported = server.requests.find((r) => r.path.endsWith('/export'))!
    expect(exported.query.get('format')).toBe('md')
    expect(stdout).toBe(`# Compare\n\n## openai (gpt-5-mini)\n\nopenai answers "Compare".\nSecond line.\n\n## anthropic (claude-haiku-4-5)\n\nanthropic answers "Compare".\nSecond line.\n`)
    expect(code).toBe(0)
  })

  it('asks for the finished chat in one request with --sync', async () => {
    const server = await fake()
    const { code, stdout } = await run(server, ['--sync', 'Compare'])

    expect(server.requests.map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual(['POST /api/ai/chat?mode=sync'])
    expect(stdout.split('\n')).toEqual([EVENTS[4], EVENTS[5], ...answers('Compare')])
    expect(code).toBe(0)
  })

  it('exits 1 with each error when every answer failed', async () => {
    const server = await fake({ scenario: 'fail' })
    const { code, stdout } = await run(server, ['Compare'])

    expect(stdout.split('\n')).toEqual([
      'openai gpt-5-mini queued',
      'anthropic claude-haiku-4-5 queued',
      'openai gpt-5-mini error auth: openai refused the API key.',
      'anthropic claude-haiku-4-5 error auth: anthropic refused the API key.',
      '',
      '=== openai (gpt-5-mini) error ===',
      'auth: openai refused the API key.',
      '',
      '=== anthropic (claude-haiku-4-5) error ===',
      'auth: anthropic refused the API key.',
      '',
    ])
    expect(code).toBe(1)
  })
})

describe('an existing chat', () => {
  it('sends a follow-up turn with --chat <id> "again" and shows that turn', async () => {
    const server = await fake()
    const id = server.seedFinishedChat('Hello')
    const { code, stdout } = await run(server, ['--chat', id, 'again'])

    const [post] = posts(server, `/api/ai/chat/${id}/messages`)
    expect(post!.body).toEqual({ message: 'again' })
    expect(post!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(stdout.split('\n')).toEqual([...EVENTS, ...answers('again')])
    expect(code).toBe(0)
  })

  it('watches a chat with --chat <id> and no prompt, posting nothing', async () => {
    const server = await fake()
    const id = server.seedFinishedChat('Hello')
    const { code, stdout } = await run(server, ['--chat', id])

    expect(server.requests.every((r) => r.method === 'GET')).toBe(true)
    expect(stdout.split('\n')).toEqual([EVENTS[4], EVENTS[5], ...answers('Hello')])
    expect(code).toBe(0)
  })
})

describe('Ctrl-C', () => {
  it('cancels the chat on the server, prints what arrived and exits 130', async () => {
    const server = await fake({ scenario: 'hang' })
    let sent = false
    const { code, stdout } = await run(server, ['Compare'], {
      onStdout: (out, child) => {
        if (!sent && out.includes('anthropic claude-haiku-4-5 streaming\n')) sent = child.kill('SIGINT')
      },
    })

    expect(posts(server, `/api/ai/chat/${onlyChatId(server)}/cancel`)).toHaveLength(1)
    expect(stdout.split('\n')).toEqual([
      ...EVENTS.slice(0, 4),
      'openai gpt-5-mini cancelled',
      'anthropic claude-haiku-4-5 cancelled',
      '',
      '=== openai (gpt-5-mini) cancelled ===',
      'The first words',
      '',
      '=== anthropic (claude-haiku-4-5) cancelled ===',
      'The first words',
      '',
    ])
    expect(server.maxInFlight).toBe(1)
    expect(code).toBe(130)
  })
})

describe('failures', () => {
  it.each([
    [['--temperature', 'abc', 'Hi'], '--temperature must be a number from 0 to 2; got "abc".'],
    [[], 'No prompt: stdin was empty.'],
    [['--json', '--md', 'Hi'], 'Choose one of --json and --md.'],
    [['--bogus', 'Hi'], 'Unknown option --bogus. See --help.'],
    [['-m', ':gpt-5', 'Hi'], '--model takes provider or provider:model, as in openai:gpt-5-mini; got ":gpt-5".'],
  ])('exits 2 with one line on stderr for a usage error: %j', async (args, message) => {
    const server = await fake()
    const { code, stdout, stderr } = await run(server, args)

    expect(stderr).toBe(`ai-gateway-chat: ${message}\n`)
    expect(stdout).toBe('')
    expect(server.requests).toEqual([])
    expect(code).toBe(2)
  })

  it('exits 3 when the server cannot be reached', async () => {
    const closed = await startFakeServer()
    await closed.close()
    const { code, stderr } = await run(closed, ['Hi'])

    expect(stderr).toBe(`ai-gateway-chat: Could not reach ${closed.url} (ECONNREFUSED).\n`)
    expect(code).toBe(3)
  })

  it('exits 3 after three tries with the same Idempotency-Key when the POST answers 500', async () => {
    const server = await fake({ failPosts: true })
    const { code, stderr } = await run(server, ['Hi'])

    const keys = posts(server, '/api/ai/chat').map((r) => r.headers['idempotency-key'])
    expect(keys).toHaveLength(3)
    expect(new Set(keys).size).toBe(1)
    expect(stderr).toBe('ai-gateway-chat: Something went wrong on our side. Try again in a moment.\n')
    expect(code).toBe(3)
  })

  it('backs off while status requests fail and exits 3 when they keep failing', async () => {
    const server = await fake({ failPolls: true })
    const { code, stderr } = await run(server, ['Hi'])

    expect(stderr).toBe(
      'ai-gateway-chat: Something went wrong on our side. Try again in a moment. Retrying…\n' +
        'ai-gateway-chat: Something went wrong on our side. Try again in a moment. Gave up after 300 ms of failures.\n',
    )
    const polls = server.requests.filter((r) => r.method === 'GET').length
    expect(polls).toBeGreaterThan(3)
    expect(polls).toBeLessThan(15)
    expect(code).toBe(3)
  })

  it("exits 3 with the API's own message for a refused request", async () => {
    const server = await fake()
    const { code, stderr } = await run(server, ['-m', 'nope', 'Hi'])

    expect(stderr).toBe('ai-gateway-chat: Unknown provider "nope". Known providers: openai, anthropic, gemini, ollama.\n')
    expect(code).toBe(3)
  })

  it('retries a POST whose answer was lost with the same Idempotency-Key, creating one chat', async () => {
    const server = await fake({ dropFirstPost: true })
    const { code, stdout } = await run(server, ['Compare'])

    const keys = posts(server, '/api/ai/chat').map((r) => r.headers['idempotency-key'])
    expect(keys).toHaveLength(2)
    expect(keys[0]).toBe(keys[1])
    expect(server.chats.size).toBe(1)
    expect(stdout.split('\n')).toEqual([...EVENTS, ...answers('Compare')])
    expect(code).toBe(0)
  })
})

describe('help and version', () => {
  it('prints the usage with --help and the version with --version', async () => {
    const server = await fake()
    const help = await run(server, ['--help'])
    const version = await run(server, ['--version'])

    expect(help.stdout).toMatch(/^Usage: ai-gateway-chat \[options\] "prompt"\n/)
    expect(help.code).toBe(0)
    expect(version.stdout).toBe(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`)
    expect(version.code).toBe(0)
  })
})
