/**
 * OpenAI Chat Completions, streamed (`chat.completion.chunk` events, usage in the last chunk). The
 * same adapter speaks to every OpenAI-compatible server (Ollama, OpenRouter, Groq, vLLM, LM Studio).
 */
import type { FinishReason, Usage } from '../../../shared/types.ts'
import type { ProviderDefinition } from '../registry.ts'
import type { ProviderAdapter, StreamEvent } from '../types.ts'

export function mapOpenAIFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'stop') return 'stop'
  if (reason === 'length') return 'length'
  if (reason === 'content_filter') return 'content_filter'
  return 'other'
}

/** A 400 that blames `stream_options`: some compatible servers do not know it. */
function rejectsStreamOptions(error: unknown): boolean {
  const e = error as { status?: unknown; message?: unknown }
  return e?.status === 400 && typeof e.message === 'string' && /stream_options/i.test(e.message)
}

export function createOpenAIAdapter(provider: ProviderDefinition): ProviderAdapter {
  return {
    id: provider.id,
    async *stream(call, { signal }): AsyncGenerator<StreamEvent> {
      const { default: OpenAI } = await import('openai')
      // Retries are the runner's (before the first byte only); the SDK must not multiply them.
      const client = new OpenAI(
        provider.compatible
          ? {
              // Nothing of OpenAI's own settings (OPENAI_API_KEY, _ORG_ID, _PROJECT_ID, _ADMIN_KEY)
              // may reach another server. Without a key (a local Ollama), no Authorization header
              // is sent at all: the SDK wants a key, so it gets a placeholder that is then removed.
              apiKey: provider.apiKey ?? 'unused',
              adminAPIKey: null,
              organization: null,
              project: null,
              baseURL: provider.baseUrl,
              maxRetries: 0,
              ...(provider.apiKey ? {} : { defaultHeaders: { authorization: null } }),
            }
          : { apiKey: provider.apiKey, baseURL: provider.baseUrl, maxRetries: 0 },
      )
      const body = {
        model: call.model,
        messages: [...(call.system ? [{ role: 'system' as const, content: call.system }] : []), ...call.messages],
        stream: true as const,
        // Compatible servers (Ollama among them) may ignore `max_completion_tokens`; all know `max_tokens`.
        ...(provider.compatible ? { max_tokens: call.maxTokens } : { max_completion_tokens: call.maxTokens }),
        ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
      }
      let stream
      try {
        stream = await client.chat.completions.create({ ...body, stream_options: { include_usage: true } }, { signal })
      } catch (error) {
        if (!provider.compatible || !rejectsStreamOptions(error)) throw error
        stream = await client.chat.completions.create(body, { signal })
      }
      let finishReason: FinishReason | undefined
      let usage: Usage | undefined
      let model: string | undefined
      for await (const chunk of stream) {
        if (chunk.model && chunk.model !== model) yield { type: 'model', model: (model = chunk.model) }
        const choice = chunk.choices?.[0]
        const text = choice?.delta?.content
        if (text) yield { type: 'text', text }
        if (choice?.finish_reason) finishReason = mapOpenAIFinishReason(choice.finish_reason)
        if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens }
      }
      // The SDK ends a stream quietly when its signal fires: never report that as finished.
      signal.throwIfAborted()
      if (finishReason) yield { type: 'finish', finishReason, ...(usage ? { usage } : {}) }
    },
  }
}
