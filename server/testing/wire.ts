/**
 * The three providers' streaming wire formats, generated from a small script: OpenAI
 * `chat.completion.chunk` SSE, Anthropic Messages SSE events, Gemini `streamGenerateContent?alt=sse`.
 * Shapes follow recorded streams (see server/providers/__fixtures__). Used by the msw fakes in
 * tests and by the benchmark's fake provider server.
 */
import type { ProviderKind } from '../../shared/catalogue.ts'

/** The three wire formats (every OpenAI-compatible server speaks `openai`'s). */
export type Wire = ProviderKind

export interface FakeReply {
  /** Answer with this HTTP error instead of a stream. */
  status?: number
  /** `Retry-After` header of an error. */
  retryAfter?: string
  /** The JSON body of an error, instead of the API's usual one. */
  errorBody?: unknown
  /** Wait before the response headers (time to first byte). */
  delayMs?: number
  /** Text deltas, in order. */
  chunks?: string[]
  /** Wait between deltas. */
  chunkMs?: number
  finish?: 'stop' | 'length' | 'content_filter'
  usage?: { inputTokens: number; outputTokens: number }
  /** Send no usage at all (some OpenAI-compatible servers do not). */
  noUsage?: boolean
  /** The model the API reports. */
  model?: string
  /** Break the connection after this many deltas (a stream cut mid-way). */
  cutAfter?: number
  /** Send this many deltas, then stay silent until the caller gives up (`0`: silent from the start). */
  hangAfter?: number
  /** Never answer at all (no headers) until the caller gives up. */
  hang?: boolean
  /** Send the deltas after the first only once this settles (e.g. when another call has arrived). */
  holdUntil?: Promise<unknown>
}

const FINISH: Record<Wire, Record<NonNullable<FakeReply['finish']>, string>> = {
  openai: { stop: 'stop', length: 'length', content_filter: 'content_filter' },
  anthropic: { stop: 'end_turn', length: 'max_tokens', content_filter: 'refusal' },
  gemini: { stop: 'STOP', length: 'MAX_TOKENS', content_filter: 'SAFETY' },
}

const DEFAULT_MODEL: Record<Wire, string> = {
  openai: 'gpt-5-mini-2025-08-07',
  anthropic: 'claude-sonnet-4-6',
  gemini: 'gemini-2.5-flash',
}

const sse = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`

/** The SSE frames of a reply, split into: frames before the first delta, one frame per delta, frames after. */
export function frames(provider: Wire, reply: FakeReply): { head: string[]; deltas: string[]; tail: string[] } {
  const chunks = reply.chunks ?? []
  const model = reply.model ?? DEFAULT_MODEL[provider]
  const usage = reply.usage ?? { inputTokens: 12, outputTokens: Math.max(1, Math.ceil(chunks.join('').length / 4)) }
  const finish = FINISH[provider][reply.finish ?? 'stop']
  if (provider === 'openai') {
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1764400000, model, service_tier: 'default', system_fingerprint: null }
    const chunk = (delta: object, finishReason: string | null) => sse({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], usage: null })
    return {
      head: [chunk({ role: 'assistant', content: '', refusal: null }, null)],
      deltas: chunks.map((text) => chunk({ content: text }, null)),
      tail: [
        chunk({}, finish),
        ...(reply.noUsage ? [] : [sse({ ...base, choices: [], usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } } })]),
        'data: [DONE]\n\n',
      ],
    }
  }
  if (provider === 'anthropic') {
    return {
      head: [
        sse({ type: 'message_start', message: { id: 'msg_fake', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } } }, 'message_start'),
        sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
        sse({ type: 'ping' }, 'ping'),
      ],
      deltas: chunks.map((text) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta')),
      tail: [
        sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
        sse({ type: 'message_delta', delta: { stop_reason: finish, stop_sequence: null }, usage: { output_tokens: usage.outputTokens } }, 'message_delta'),
        sse({ type: 'message_stop' }, 'message_stop'),
      ],
    }
  }
  const candidate = (text: string, last: boolean) => ({
    candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(last ? { finishReason: finish } : {}), index: 0 }],
    usageMetadata: last
      ? { promptTokenCount: usage.inputTokens, candidatesTokenCount: usage.outputTokens, totalTokenCount: usage.inputTokens + usage.outputTokens }
      : { promptTokenCount: usage.inputTokens, totalTokenCount: usage.inputTokens },
    modelVersion: model,
    responseId: 'fake-response',
  })
  // Gemini puts the finish reason on the last text chunk; an empty answer still gets one frame.
  const deltas = chunks.map((text, i) => sse(candidate(text, i === chunks.length - 1)))
  return { head: [], deltas, tail: chunks.length ? [] : [sse(candidate('', true))] }
}

/** The JSON error body each API sends with an HTTP error. */
export function errorBody(provider: Wire, status: number): unknown {
  const message = status === 429 ? 'Rate limit reached' : status === 401 ? 'Invalid API key' : status === 529 ? 'Overloaded' : `Upstream error ${status}`
  if (provider === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 401 ? 'authentication_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error'
    return { type: 'error', error: { type, message } }
  }
  if (provider === 'gemini') return { error: { code: status, message, status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE' } }
  return { error: { message, type: status === 429 ? 'requests' : 'server_error', param: null, code: status === 401 ? 'invalid_api_key' : null } }
}

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (!ms) return resolve()
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })

const forever = (signal?: AbortSignal) => new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }))

/**
 * The HTTP response a provider gives to one call, as a fetch `Response` whose body streams at the
 * scripted pace. `onLastByte` fires when the final frame is handed over (for staleness figures).
 */
export async function fakeResponse(
  provider: Wire,
  reply: FakeReply,
  signal?: AbortSignal,
  hooks: { onFirstByte?: () => void; onLastByte?: () => void } = {},
): Promise<Response> {
  if (reply.hang) {
    await forever(signal)
    return new Response(null, { status: 499 })
  }
  await wait(reply.delayMs ?? 0, signal)
  if (reply.status && reply.status >= 400) {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (reply.retryAfter) headers['retry-after'] = reply.retryAfter
    return new Response(JSON.stringify(reply.errorBody ?? errorBody(provider, reply.status)), { status: reply.status, headers })
  }
  const { head, deltas, tail } = frames(provider, reply)
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (frame: string) => controller.enqueue(encoder.encode(frame))
      try {
        head.forEach(send)
        for (let i = 0; i < deltas.length; i++) {
          if (signal?.aborted) return
          if (reply.cutAfter !== undefined && i >= reply.cutAfter) {
            // Bytes sent before a cut reach the client; erroring the stream at once would discard them
            // from the buffers in between, so let them drain first.
            await wait(50, signal)
            return controller.error(new Error('connection reset by fake provider'))
          }
          if (reply.hangAfter !== undefined && i >= reply.hangAfter) return await forever(signal)
          if (i > 0) await wait(reply.chunkMs ?? 0, signal)
          send(deltas[i]!)
          if (i === 0) hooks.onFirstByte?.()
          if (i === 0 && reply.holdUntil) await reply.holdUntil
        }
        // A silent stream stays open until the caller gives up; closing it after an abort would
        // make the HTTP client complete a request it already aborted.
        if (reply.hangAfter !== undefined && reply.hangAfter >= deltas.length) return await forever(signal)
        tail.forEach(send)
        hooks.onLastByte?.()
        controller.close()
      } catch {
        // The reader went away.
      }
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'transfer-encoding': 'chunked' } })
}

/** Which provider a request URL is for (by API shape, so any base URL works). */
export function providerOfRequest(url: string): Wire | null {
  if (/\/chat\/completions$/.test(new URL(url).pathname)) return 'openai'
  if (/\/messages$/.test(new URL(url).pathname)) return 'anthropic'
  if (/:streamGenerateContent$/.test(new URL(url).pathname)) return 'gemini'
  return null
}
