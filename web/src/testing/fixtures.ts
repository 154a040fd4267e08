/** Status documents, results and models in the REST contract's shape, for the page's tests. */
import type { ChatStatus, ModelsDocument, Participant, ProviderResult, StatusDocument, Turn } from '../../../shared/types.ts'

export const CHAT_ID = '7f0c6c1e-0f8a-4b8e-9d53-3c1e1e0a2b11'
export const OTHER_CHAT_ID = '2b9d4e6f-1a3c-4d5e-8f70-9a1b2c3d4e5f'
export const CREATED_AT = '2026-11-29T12:00:00.000Z'
export const EXPIRES_AT = '2026-11-29T13:00:00.000Z'

const MODELS: Record<string, string> = { openai: 'gpt-5-mini', anthropic: 'claude-sonnet-4-6', gemini: 'gemini-2.5-flash' }

/** A participant id's provider: `openai-2` → `openai`. */
export const providerOf = (participant: string) => participant.replace(/-\d+$/, '')
const modelOf = (participant: string) => MODELS[providerOf(participant)] ?? 'some-model'

export const PRICE = { inputUsd: 0.0002, outputUsd: 0.001, totalUsd: 0.0012 }

export function queued(participant: string, attempt = 1): ProviderResult {
  return {
    status: 'queued',
    ok: false,
    text: '',
    provider: providerOf(participant),
    model: modelOf(participant),
    attempt,
    timings: { queuedAt: CREATED_AT },
    cost: null,
  }
}

export function streaming(participant: string, text: string, attempt = 1): ProviderResult {
  return {
    ...queued(participant, attempt),
    status: 'streaming',
    text,
    timings: { queuedAt: CREATED_AT, startedAt: '2026-11-29T12:00:00.200Z', firstTokenAt: '2026-11-29T12:00:00.900Z' },
  }
}

export function done(participant: string, text: string, extra: Partial<ProviderResult> = {}): ProviderResult {
  return {
    ...queued(participant),
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
    cost: PRICE,
    ...extra,
  }
}

export function failed(participant: string, code: NonNullable<ProviderResult['error']>['code'], message: string): ProviderResult {
  return {
    ...queued(participant),
    status: 'error',
    error: { code, message, retryable: true },
    timings: { queuedAt: CREATED_AT, startedAt: '2026-11-29T12:00:00.200Z', finishedAt: '2026-11-29T12:00:01.000Z' },
  }
}

export function cancelled(participant: string, text: string): ProviderResult {
  return {
    ...streaming(participant, text),
    status: 'cancelled',
    timings: { ...streaming(participant, text).timings, finishedAt: '2026-11-29T12:00:02.000Z' },
  }
}

/** A turn's status from its results, as the server works it out. */
export function turnStatus(results: readonly ProviderResult[]): ChatStatus {
  const final = (result: ProviderResult) => ['done', 'error', 'cancelled'].includes(result.status)
  if (results.every((result) => result.status === 'queued' && result.attempt === 1)) return 'pending'
  if (!results.every(final)) return 'processing'
  return results.some((result) => result.status === 'done') ? 'completed' : 'failed'
}

const sumCost = (results: readonly ProviderResult[]) => {
  const priced = results.filter((result) => result.cost)
  return priced.length ? priced.reduce((sum, result) => sum + result.cost!.totalUsd, 0) : null
}

export function participant(id: string, params: Partial<Participant['params']> = {}): Participant {
  return { id, provider: providerOf(id), model: modelOf(id), params: { model: modelOf(id), maxTokens: 4096, ...params } }
}

let versions = 0

export interface TurnSpec {
  message: string
  results: Record<string, ProviderResult>
  pick?: string | null
}

/**
 * A document of several turns; its `results` are the latest turn's. Participants are every id that
 * appears, in order of first appearance, unless `extra.participants` says otherwise.
 */
export function conversationDoc(turns: TurnSpec[], extra: Partial<StatusDocument> = {}): StatusDocument {
  const ids = [...new Set(turns.flatMap((turn) => Object.keys(turn.results)))]
  const list: Turn[] = turns.map((spec, index) => {
    const results = Object.values(spec.results)
    const status = turnStatus(results)
    return {
      turn: index + 1,
      message: spec.message,
      createdAt: CREATED_AT,
      status,
      completedAt: status === 'completed' || status === 'failed' ? '2026-11-29T12:00:03.000Z' : null,
      pick: spec.pick ?? null,
      participants: Object.keys(spec.results),
      totalCostUsd: sumCost(results),
      results: spec.results,
    }
  })
  const latest = list.at(-1)!
  const all = turns.flatMap((turn) => Object.values(turn.results))
  return {
    success: true,
    chatId: CHAT_ID,
    status: latest.status,
    results: latest.results!,
    request: { message: turns[0]!.message, maxTokens: 4096 },
    demo: false,
    createdAt: CREATED_AT,
    completedAt: latest.completedAt,
    expiresAt: EXPIRES_AT,
    version: `v${++versions}`,
    participants: ids.map((id) => participant(id)),
    totalCostUsd: sumCost(all),
    turns: list,
    ...extra,
  }
}

/** A one-turn document whose status follows from its results, as the server computes it. */
export function statusDoc(results: Record<string, ProviderResult>, extra: Partial<StatusDocument> = {}): StatusDocument {
  return conversationDoc([{ message: extra.request?.message ?? 'Compare these models', results }], extra)
}

/** The document as `?turns=latest` returns it: earlier turns without their results. */
export function latestOnly(doc: StatusDocument): StatusDocument {
  if (!doc.turns) return doc
  return { ...doc, turns: doc.turns.map((turn, index) => (index === doc.turns!.length - 1 ? turn : (({ results: _results, ...rest }) => rest)(turn))) }
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
    limits: { maxParticipants: 8, maxMessageChars: 32_000, maxOutputTokens: 4096, maxTurns: 20 },
    ...overrides,
  }
}
