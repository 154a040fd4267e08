import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import examples from './openapi-examples.json' with { type: 'json' }
import { openApiDocument } from './openapi.ts'
import { contractViolations } from './testing/contract.ts'
import { createHarness, type Harness } from './testing/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(() => h.close())

const ROOT = new URL('..', import.meta.url).pathname

describe('the OpenAPI document', () => {
  it('is served at /api/openapi.json, the same whatever the settings', async () => {
    const served = await h.api('/api/openapi.json')
    expect(served.status).toBe(200)
    expect(served.body.openapi).toBe('3.1.0')
    h.setEnv({ AI_CHAT_DEMO: '1', AI_CHAT_MAX_PARTICIPANTS: '2', AI_CHAT_COMPAT_OLLAMA_BASE_URL: 'http://localhost:11434/v1', AI_CHAT_COMPAT_OLLAMA_MODELS: 'llama3.2:3b' })
    try {
      expect(openApiDocument()).toEqual(served.body)
    } finally {
      h.setEnv({ AI_CHAT_DEMO: undefined, AI_CHAT_MAX_PARTICIPANTS: undefined, AI_CHAT_COMPAT_OLLAMA_BASE_URL: undefined, AI_CHAT_COMPAT_OLLAMA_MODELS: undefined })
    }
  })

  it('passes @redocly/cli lint with the recommended rules: no error, no warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-'))
    try {
      const file = join(dir, 'openapi.json')
      await writeFile(file, JSON.stringify(openApiDocument()))
      const { stdout, stderr } = await promisify(execFile)('npx', ['redocly', 'lint', file, '--config', 'server/redocly.yaml', '--format', 'stylish'], {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      })
      expect(`${stdout}\n${stderr}`).toMatch(/valid/i)
      expect(`${stdout}\n${stderr}`).not.toMatch(/warning|error/i)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it('describes every route, parameter and header of the API', () => {
    const document = openApiDocument() as any
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/ai/chat',
      '/api/ai/chat/status',
      '/api/ai/chat/{chatId}',
      '/api/ai/chat/{chatId}/cancel',
      '/api/ai/chat/{chatId}/export',
      '/api/ai/chat/{chatId}/messages',
      '/api/ai/chat/{chatId}/retry',
      '/api/ai/chat/{chatId}/turns/{turn}/pick',
      '/api/ai/models',
      '/api/health',
      '/api/openapi.json',
    ])
    const text = JSON.stringify(document)
    for (const name of ['since', 'wait', 'mode', 'format', 'turns', 'Idempotency-Key', 'If-None-Match', 'Location', 'Retry-After', 'ETag', 'Content-Disposition']) expect(text).toContain(`"${name}"`)
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(document.security).toEqual([{}, { bearerAuth: [] }])
  })

  it('has examples that are real demo responses and match their schemas', () => {
    const ajv = new Ajv2020({ strict: false })
    ;(addFormats as unknown as { default: (a: Ajv2020) => void }).default(ajv)
    ajv.addSchema(openApiDocument(), 'openapi.json')
    const schemaOf: Record<string, string> = { chatInput: 'ChatInput', accepted: 'Accepted', status: 'StatusDocument', messageInput: 'MessageInput', turnAccepted: 'TurnAccepted', cancel: 'CancelAnswer', retry: 'RetryAnswer', pick: 'PickAnswer', models: 'ModelsDocument' }
    for (const [name, example] of Object.entries(examples)) {
      const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${schemaOf[name]}` })
      expect(validate(example), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true)
    }
    expect(examples.status.demo).toBe(true)
    expect(examples.status.turns).toHaveLength(2)
  })

  it('is enforced on every response of the server tests: one it does not describe is caught', () => {
    const headers = new Headers({ 'content-type': 'application/json' })
    expect(contractViolations({ method: 'GET', url: 'http://app.test/api/ai/models', status: 200, headers, body: { success: true, demo: 'no', providers: [] } })).toEqual([
      'GET /api/ai/models 200: body does not match: data/demo must be boolean',
    ])
    expect(contractViolations({ method: 'GET', url: 'http://app.test/api/ai/models', status: 418, headers, body: {} })).toEqual(['GET /api/ai/models: status 418 is not described'])
    expect(contractViolations({ method: 'POST', url: 'http://app.test/api/ai/chat', status: 202, headers, body: examples.accepted })).toEqual(['POST /api/ai/chat 202: required header Location is missing'])
  })
})
