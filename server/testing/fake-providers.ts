/**
 * msw handlers that play OpenAI, Anthropic and Gemini at their real endpoints, and any number of
 * OpenAI-compatible servers at their own base URLs, in their real streaming wire formats, from
 * scripted replies. Every call is logged with the request it received.
 */
import { http, HttpResponse, type HttpHandler } from 'msw'
import { BUILT_IN_PROVIDER_IDS } from '../../shared/catalogue.ts'
import { fakeResponse, type FakeReply, type Wire } from './wire.ts'

export interface FakeCall {
  /** The provider id: a built-in, or the id a compatible server was registered under. */
  provider: string
  wire: Wire
  /** The model asked for (from the body, or Gemini's URL). */
  model: string
  url: string
  body: Record<string, unknown>
  headers: Record<string, string>
  at: number
  /** The caller gave up on the call (an aborted SDK request). */
  aborted: boolean
}

export type ReplyScript = FakeReply | ((call: FakeCall, index: number) => FakeReply)

export const ENDPOINTS: Record<Wire, string | RegExp> = {
  openai: 'https://api.openai.com/v1/chat/completions',
  anthropic: 'https://api.anthropic.com/v1/messages',
  gemini: /^https:\/\/generativelanguage\.googleapis\.com\/v1[a-z0-9]*\/models\/[^/]+:streamGenerateContent/,
}

export const DEFAULT_REPLIES: Record<string, FakeReply> = {
  openai: { chunks: ['Hello', ' from', ' OpenAI.'], usage: { inputTokens: 9, outputTokens: 4 } },
  anthropic: { chunks: ['Hello', ' from', ' Claude.'], usage: { inputTokens: 10, outputTokens: 5 } },
  gemini: { chunks: ['Hello from', ' Gemini.'], usage: { inputTokens: 8, outputTokens: 4 } },
}

const defaultReply = (provider: string): FakeReply => DEFAULT_REPLIES[provider] ?? { chunks: ['Hello', ` from ${provider}.`], usage: { inputTokens: 7, outputTokens: 4 } }

/** An OpenAI-compatible server (Ollama, OpenRouter…) at a base URL. */
interface CompatibleServer {
  provider: string
  baseUrl: string
  /** Answers 400 naming `stream_options` when the request has it (as some servers do). */
  rejectsStreamOptions?: boolean
}

export class FakeProviders {
  readonly calls: FakeCall[] = []
  #scripts = new Map<string, ReplyScript[]>()
  #compatible: CompatibleServer[] = []

  /**
   * Replies for the next calls of a provider (`"openai"`) or of one of its models
   * (`"openai/gpt-5"`, which wins), in order; the last one repeats.
   */
  script(target: string, ...replies: ReplyScript[]): this {
    this.#scripts.set(target, replies)
    return this
  }

  /** Plays an OpenAI-compatible server at `baseUrl` (handlers() must be called after). */
  compatible(server: CompatibleServer): this {
    this.#compatible.push(server)
    return this
  }

  reset(): void {
    this.calls.length = 0
    this.#scripts.clear()
  }

  callsOf(provider: string, model?: string): FakeCall[] {
    return this.calls.filter((call) => call.provider === provider && (model === undefined || call.model === model))
  }

  #next(call: FakeCall): FakeReply {
    const target = this.#scripts.has(`${call.provider}/${call.model}`) ? `${call.provider}/${call.model}` : call.provider
    const index = this.calls.filter((c) => c.provider === call.provider && (target === call.provider || c.model === call.model)).length - 1
    const scripts = this.#scripts.get(target) ?? []
    const script = scripts[Math.min(index, scripts.length - 1)] ?? defaultReply(call.provider)
    return typeof script === 'function' ? script(call, index) : script
  }

  #handler(provider: string, wire: Wire, url: string | RegExp, server?: CompatibleServer): HttpHandler {
    return http.post(url, async ({ request }) => {
      const body = (await request.clone().json()) as Record<string, unknown>
      const model = wire === 'gemini' ? (/\/models\/([^/:]+):/.exec(request.url)?.[1] ?? '') : String(body.model ?? '')
      const call: FakeCall = { provider, wire, model, url: request.url, body, headers: Object.fromEntries(request.headers), at: Date.now(), aborted: false }
      request.signal.addEventListener('abort', () => (call.aborted = true), { once: true })
      this.calls.push(call)
      if (server?.rejectsStreamOptions && 'stream_options' in body) {
        return HttpResponse.json({ error: { message: "Unrecognized request argument supplied: stream_options", type: 'invalid_request_error' } }, { status: 400 })
      }
      return fakeResponse(wire, this.#next(call), request.signal)
    })
  }

  handlers(): HttpHandler[] {
    return [
      ...this.#compatible.map((server) => this.#handler(server.provider, 'openai', `${server.baseUrl.replace(/\/+$/, '')}/chat/completions`, server)),
      ...BUILT_IN_PROVIDER_IDS.map((wire) => this.#handler(wire, wire, ENDPOINTS[wire])),
    ]
  }
}
