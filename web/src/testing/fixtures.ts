/** Status documents and provider results as the server writes them, for the page's tests. */
import type { ProviderId } from '../../../shared/catalogue.ts'
import type { ModelsDocument, ProviderResult, StatusDocument } from '../../../shared/types.ts'
import { chatStatus } from '../../../shared/status.ts'

export const CHAT_ID = '7f0c6c1e-0f8a-4b8e-9d53-3c1e1e0a2b11'
export const CREATED_AT = '2026-11-29T12:00:00.000Z'
export const EXPIRES_AT = '2026-11-29T13:00:00.000Z'

const MODELS: Record<ProviderId, string> = { openai: 'gpt-5-mini', anthropic: 'claude-sonnet-4-6', gemini: 'gemini-2.5-flash' }

export function queued(provider: ProviderId, attempt = 1): ProviderResult {
  return { status: 'queued', ok: false, text: '', model: MODELS[provider], attempt, timings: { queuedAt: CREATED_AT } }
}

export function streaming(provider: ProviderId, text: string, attempt = 1): ProviderResult {
  return {
    ...queued(provider, attempt),
    status: 'streaming',
    text,
    timings: { queuedAt: CREATED_AT, startedAt: '2026-11-29T12:00:00.200Z', firstTokenAt: '2026-11-29T12:00:00.900Z' },
  }
}

export function done(provider: ProviderId, text: string, extra: Partial<ProviderResult> = {}): ProviderResult {
  return {
    ...queued(provider),
    status: 'done',
    ok: true,
    text,
    finishReason: 'stop',
    usage: { inputTokens: 12, outputTokens: 240 },
    // 700 ms to the first token, 2.8 s in all, 240 tokens in the 2.1 s of streaming.
    timings: {
      queuedAt: CREATED_AT,
      startedAt: '2026-11-29T12:00:00.200Z',
      firstTokenAt: '2026-11-29T12:00:00.900Z',
      finishedAt: '2026-11-29T12:00:03.000Z',
    },
    ...extra,
  }
}

export function failed(provider: ProviderId, code: NonNullable<ProviderResult['error']>['code'], message: string): ProviderResult {
  return {
    ...queued(provider),
    status: 'error',
    error: { code, message, retryable: true },
    timings: { queuedAt: CREATED_AT, startedAt: '2026-11-29T12:00:00.200Z', finishedAt: '2026-11-29T12:00:01.000Z' },
  }
}

export function cancelled(provider: ProviderId, text: string): ProviderResult {
  return { ...streaming(provider, text), status: 'cancelled', timings: { ...streaming(provider, text).timings, finishedAt: '2026-11-29T12:00:02.000Z' } }
}

let versions = 0

/** A status document whose overall status follows from its results, as the server computes it. */
export function statusDoc(results: Partial<Record<ProviderId, ProviderResult>>, extra: Partial<StatusDocument> = {}): StatusDocument {
  const list = Object.values(results)
  return {
    success: true,
    chatId: CHAT_ID,
    status: chatStatus(list),
    results,
    request: { message: 'Compare these models', maxTokens: 4096 },
    demo: false,
    createdAt: CREATED_AT,
    completedAt: null,
    expiresAt: EXPIRES_AT,
    version: `v${++versions}`,
    ...extra,
  }
}

export function modelsDoc(overrides: Partial<ModelsDocument> = {}): ModelsDocument {
  return {
    success: true,
    demo: false,
    providers: [
      { id: 'openai', label: 'OpenAI', configured: true, defaultModel: 'gpt-5-mini', models: ['gpt-5-mini', 'gpt-5'] },
      { id: 'anthropic', label: 'Anthropic', configured: true, defaultModel: 'claude-sonnet-4-6', models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] },
      { id: 'gemini', label: 'Gemini', configured: true, defaultModel: 'gemini-2.5-flash', models: ['gemini-2.5-flash'] },
    ],
    ...overrides,
  }
}
