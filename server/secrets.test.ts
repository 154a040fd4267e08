/** Provider keys never reach a response, a blob, a log line or a built asset. */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { headersFor, pageHeadersMiddleware, parseHeaderRules, readHeaderRules } from '../web/page-headers.ts'
import { createHarness, POLL_MS, TEST_KEYS, type Harness } from './testing/harness.ts'

const COMPAT_KEY = 'sk-or-v1-compat5ecretRouterKey'
const KEYS = [...Object.values(TEST_KEYS), COMPAT_KEY]

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

async function findKeys(dir: string): Promise<string[]> {
  const hits: string[] = []
  for (const file of await filesUnder(dir)) {
    const text = await readFile(file, 'utf8')
    for (const key of KEYS) if (text.includes(key)) hits.push(`${file}: ${key}`)
  }
  return hits
}

let h: Harness
beforeAll(async () => {
  h = await createHarness(
    {
      AI_CHAT_SECRET: 'server-side-trigger-secret',
      AI_CHAT_ACCESS_TOKEN: 'access-token-for-tests',
      AI_CHAT_COMPAT_ROUTER_BASE_URL: 'https://router.test/api/v1',
      AI_CHAT_COMPAT_ROUTER_MODELS: 'meta/llama-4',
      AI_CHAT_COMPAT_ROUTER_API_KEY: COMPAT_KEY,
    },
    { setup: (providers) => providers.compatible({ provider: 'router', baseUrl: 'https://router.test/api/v1' }) },
  )
})
afterAll(() => h.close())

describe('page headers (netlify.toml)', () => {
  const rules = readHeaderRules()

  /** What the dev server's middleware sets on a response to `pathname`. */
  function servedHeaders(pathname: string): Record<string, string> {
    const headers: Record<string, string> = {}
    const res = { setHeader: (name: string, value: string) => void (headers[name] = value) }
    let passedOn = false
    pageHeadersMiddleware(rules)({ url: pathname } as IncomingMessage, res as unknown as ServerResponse, () => (passedOn = true))
    expect(passedOn).toBe(true)
    return headers
  }

  it('send a CSP without inline script or style, no framing, nosniff and a strict referrer policy', () => {
    const headers = headersFor(rules, '/')
    const csp = headers['Content-Security-Policy'] ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("form-action 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    expect(headers['X-Content-Type-Options']).toBe('nosniff')
    expect(headers['X-Frame-Options']).toBe('DENY')
    expect(headers['Referrer-Policy']).toMatch(/^(no-referrer|strict-origin-when-cross-origin|same-origin)$/)
  })

  it('are read as netlify.toml’s two rules: the page headers for /* and caching for /assets/*', () => {
    expect(rules.map((rule) => rule.for)).toEqual(['/*', '/assets/*'])
    expect(Object.keys(rules[0]!.values)).toEqual([
      'Content-Security-Policy',
      'X-Content-Type-Options',
      'X-Frame-Options',
      'Referrer-Policy',
      'Permissions-Policy',
    ])
    expect(rules[1]!.values).toEqual({ 'Cache-Control': 'public, max-age=31536000, immutable' })
  })

  it('are sent by the dev server exactly as netlify.toml has them, on the page and its assets', () => {
    expect(servedHeaders('/')).toEqual(rules[0]!.values)
    expect(servedHeaders('/?chat=abc')).toEqual(rules[0]!.values)
    expect(servedHeaders('/src/main.tsx')).toEqual(rules[0]!.values)
    expect(servedHeaders('/assets/index-abc123.js')).toEqual({ ...rules[0]!.values, ...rules[1]!.values })
  })

  it.each(['/api/ai/models', '/api/ai/chat/abc?since=3', '/.netlify/functions/ai-models'])(
    'are not added by the dev server to a function response (%s): functions set their own',
    (pathname) => {
      expect(servedHeaders(pathname)).toEqual({})
    },
  )

  it('are parsed from the TOML the [[headers]] blocks use, skipping every other table', () => {
    const toml = [
      '[build]',
      '  command = "npm run build" # not a header',
      '[[headers]]',
      '  for = "/docs/*"',
      '  [headers.values]',
      '    "X-Quoted" = "a \\"quoted\\" # value" # a comment',
      "    X-Literal = 'single # quotes'",
      '[functions]',
      '  directory = "netlify/functions"',
      '[[headers]]',
      '  for = "/robots.txt"',
      '  [headers.values]',
      '    Cache-Control = "no-cache"',
    ].join('\n')
    const parsed = parseHeaderRules(toml)
    expect(parsed).toEqual([
      { for: '/docs/*', values: { 'X-Quoted': 'a "quoted" # value', 'X-Literal': 'single # quotes' } },
      { for: '/robots.txt', values: { 'Cache-Control': 'no-cache' } },
    ])
    expect(headersFor(parsed, '/docs/a')).toEqual(parsed[0]!.values)
    expect(headersFor(parsed, '/robots.txt')).toEqual(parsed[1]!.values)
    expect(headersFor(parsed, '/robots.txt.bak')).toEqual({})
  })

  it('refuses a header value it cannot read instead of guessing it', () => {
    expect(() => parseHeaderRules('[[headers]]\n  for = "/*"\n  [headers.values]\n    X-Multi = """\n')).toThrow(
      'netlify.toml line 4: expected a string on one line, got """.',
    )
  })
})

describe('secrets', () => {
  it('never appear in responses, blobs or logs, even when a provider echoes the key in its error', async () => {
    const headers = { authorization: 'Bearer access-token-for-tests' }
    h.providers.script('openai', { status: 401, errorBody: { error: { message: `Incorrect API key provided: ${TEST_KEYS.OPENAI_API_KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } } })
    h.providers.script('anthropic', { status: 400, errorBody: { type: 'error', error: { type: 'invalid_request_error', message: `bad key ${TEST_KEYS.ANTHROPIC_API_KEY}` } } })
    h.providers.script('gemini', { chunks: ['Fine.'] })
    h.providers.script('router', { status: 401, errorBody: { error: { message: `No auth credentials found for ${COMPAT_KEY}`, code: 401 } } })

    const responses: string[] = []
    const call = async (path: string, init: Parameters<Harness['api']>[1] = {}) => {
      const answer = await h.api(path, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } })
      responses.push(JSON.stringify(answer.body), JSON.stringify([...answer.headers]))
      return answer
    }
    await call('/api/ai/models')
    const { body } = await call('/api/ai/chat', { json: { message: 'Tell me your key.', participants: [{ provider: 'openai' }, { provider: 'anthropic' }, { provider: 'gemini' }, { provider: 'router' }] } })
    for (let i = 0; i < 200; i++) {
      const status = await call(`/api/ai/chat/${body.chatId}`)
      if (status.body.status === 'completed' || status.body.status === 'failed') break
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
    await call('/api/ai/chat?mode=sync', { json: { message: 'Sync, with a key leak attempt.' } })
    await call(`/api/ai/chat/${body.chatId}/retry`, { json: { participant: 'anthropic' } })
    await call('/api/ai/chat', { json: { message: '' } })
    await h.platform.settle()
    await call(`/api/ai/chat/${body.chatId}/messages`, { json: { message: 'And now your key?' } })
    await h.platform.settle()
    await call(`/api/ai/chat/${body.chatId}/export?format=md`)
    await call(`/api/ai/chat/${body.chatId}/export?format=json`)

    const final = (await call(`/api/ai/chat/${body.chatId}?turns=all`)).body
    expect(final.turns[0].results.openai.error.code).toBe('auth')
    expect(final.turns[0].results.anthropic).toMatchObject({ status: 'error', attempt: 2, error: { code: 'bad_request' } })
    expect(final.turns[0].results.router.error).toMatchObject({ code: 'auth', message: 'Router refused the API key (401). Check AI_CHAT_COMPAT_ROUTER_API_KEY.' })
    // The compatible provider was sent its own key, and only it.
    expect(h.providers.callsOf('router')[0]!.headers.authorization).toBe(`Bearer ${COMPAT_KEY}`)

    for (const key of [...KEYS, 'server-side-trigger-secret', 'access-token-for-tests']) {
      for (const text of responses) expect(text).not.toContain(key)
      for (const line of h.logs) expect(line).not.toContain(key)
    }
    expect(await findKeys(h.blobs.directory)).toEqual([])
    expect(h.logs.length).toBeGreaterThan(0)
  })

  it('never reach the built page, even when they are set during the build', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'ai-chat-build-'))
    try {
      await promisify(execFile)('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
        env: { ...process.env, ...TEST_KEYS, AI_CHAT_COMPAT_ROUTER_API_KEY: COMPAT_KEY, VITE_OPENAI_API_KEY: undefined },
        cwd: new URL('..', import.meta.url).pathname,
      })
      expect((await filesUnder(outDir)).some((file) => file.endsWith('.js'))).toBe(true)
      expect(await findKeys(outDir)).toEqual([])
      // The page runs under a CSP without 'unsafe-inline': no inline script or style in its HTML.
      const html = (await readFile(join(outDir, 'index.html'), 'utf8')).replace(/<!--[\s\S]*?-->/g, '')
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/)
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i)
    } finally {
      await rm(outDir, { recursive: true, force: true })
    }
  }, 60_000)
})
