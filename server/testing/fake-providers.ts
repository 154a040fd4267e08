/**
 * msw handlers that play OpenAI, Anthropic and Gemini at their real endpoints, in their real
 * streaming wire formats, from scripted replies. Every call is logged with the request it received.
 */
import { http, type HttpHandler } from 'msw'
import type { ProviderId } from '../../shared/catalogue.ts'
import { fakeResponse, type FakeReply } from './wire.ts'

export interface FakeCall {
  provider: ProviderId
  url: string
  body: Record<string, unknown>
  headers: Record<string, string>
  at: number
  /** The caller gave up on the call (an aborted SDK request). */
  aborted: boolean
}

export type ReplyScript = FakeReply | ((call: FakeCall, index: number) => FakeReply)

export const ENDPOINTS: Record<ProviderId, string | RegExp> = {
  openai: 'https://api.openai.com/v1/chat/completions',
  anthropic: 'https://api.anthropic.com/v1/messages',
  gemini: /^https:\/\/generativelanguage\.googleapis\.com\/v1[a-z0-9]*\/models\/[^/]+:streamGenerateContent/,
}

export const DEFAULT_REPLIES: Record<ProviderId, FakeReply> = {
  openai: { chunks: ['Hello', ' from', ' OpenAI.'], usage: { inputTokens: 9, outputTokens: 4 } },
  anthropic: { chunks: ['Hello', ' from', ' Claude.'], usage: { inputTokens: 10, outputTokens: 5 } },
  gemini: { chunks: ['Hello from', ' Gemini.'], usage: { inputTokens: 8, outputTokens: 4 } },
}

export class FakeProviders {
  readonly calls: FakeCall[] = []
  #scripts: Record<ProviderId, ReplyScript[]> = { openai: [], anthropic: [], gemini: [] }

  /** Replies for the next calls of a provider, in order; the last one repeats. */
  script(provider: ProviderId, ...replies: ReplyScript[]): this {
    this.#scripts[provider] = replies
    return this
  }

  reset(): void {
    this.calls.length = 0
    this.#scripts = { openai: [], anthropic: [], gemini: [] }
  }

  callsOf(provider: ProviderId): FakeCall[] {
    return this.calls.filter((call) => call.provider === provider)
  }

  #next(provider: ProviderId, call: FakeCall): FakeReply {
    const index = this.callsOf(provider).length - 1
    const scripts = this.#scripts[provider]
    const script = scripts[Math.min(index, scripts.length - 1)] ?? DEFAULT_REPLIES[provider]
    return typeof script === 'function' ? script(call, index) : script
  }

  handlers(): HttpHandler[] {
    return (Object.keys(ENDPOINTS) as ProviderId[]).map((provider) =>
      http.post(ENDPOINTS[provider], async ({ request }) => {
        const call: FakeCall = {
          provider,
          url: request.url,
          body: (await request.clone().json()) as Record<string, unknown>,
          headers: Object.fromEntries(request.headers),
          at: Date.now(),
          aborted: false,
        }
        request.signal.addEventListener('abort', () => (call.aborted = true), { once: true })
        this.calls.push(call)
        return fakeResponse(provider, this.#next(provider, call), request.signal)
      }),
    )
  }
}
