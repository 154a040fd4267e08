/** OpenAI Chat Completions, streamed (`chat.completion.chunk` events, usage in the last chunk). */
import type { FinishReason } from '../../shared/types.ts'
import type { Env } from '../../shared/catalogue.ts'
import { providerKey } from '../settings.ts'
import type { ProviderAdapter, StreamEvent } from './types.ts'

export function mapOpenAIFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'stop') return 'stop'
  if (reason === 'length') return 'length'
  if (reason === 'content_filter') return 'content_filter'
  return 'other'
}

export function createOpenAIAdapter(env: Env): ProviderAdapter {
  return {
    id: 'openai',
    async *stream(call, { signal }): AsyncGenerator<StreamEvent> {
      const { default: OpenAI } = await import('openai')
      // Retries are the runner's (before the first byte only); the SDK must not multiply them.
      const client = new OpenAI({ apiKey: providerKey('openai', env), baseURL: env.OPENAI_BASE_URL || undefined, maxRetries: 0 })
      const stream = await client.chat.completions.create(
        {
          model: call.model,
          messages: [
            ...(call.system ? [{ role: 'system' as const, content: call.system }] : []),
            { role: 'user' as const, content: call.message },
          ],
          stream: true,
          stream_options: { include_usage: true },
          max_completion_tokens: call.maxTokens,
          ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        },
        { signal },
      )
      let finishReason: FinishReason | undefined
      let usage: { inputTokens: number; outputTokens: number } | undefined
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
