/** Anthropic Messages, streamed (`message_start` … `message_stop` events). */
import type { FinishReason } from '../../../shared/types.ts'
import type { ProviderDefinition } from '../registry.ts'
import type { ProviderAdapter, StreamEvent } from '../types.ts'

export function mapAnthropicStopReason(reason: string | null | undefined): FinishReason {
  if (reason === 'end_turn' || reason === 'stop_sequence') return 'stop'
  if (reason === 'max_tokens' || reason === 'model_context_window_exceeded') return 'length'
  if (reason === 'refusal') return 'content_filter'
  return 'other'
}

export function createAnthropicAdapter(provider: ProviderDefinition): ProviderAdapter {
  return {
    id: provider.id,
    async *stream(call, { signal }): AsyncGenerator<StreamEvent> {
      const { default: Anthropic } = await import('@anthropic-ai/sdk')
      const client = new Anthropic({ apiKey: provider.apiKey, baseURL: provider.baseUrl, maxRetries: 0 })
      const stream = await client.messages.create(
        {
          model: call.model,
          max_tokens: call.maxTokens,
          messages: call.messages,
          stream: true,
          ...(call.system ? { system: call.system } : {}),
          ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        },
        { signal },
      )
      let inputTokens = 0
      let outputTokens = 0
      let finishReason: FinishReason | undefined
      let stopped = false
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start':
            yield { type: 'model', model: event.message.model }
            inputTokens = event.message.usage?.input_tokens ?? 0
            outputTokens = event.message.usage?.output_tokens ?? 0
            break
          case 'content_block_delta':
            if (event.delta.type === 'text_delta' && event.delta.text) yield { type: 'text', text: event.delta.text }
            break
          case 'message_delta':
            if (event.delta.stop_reason) finishReason = mapAnthropicStopReason(event.delta.stop_reason)
            if (event.usage?.output_tokens != null) outputTokens = event.usage.output_tokens
            if (event.usage?.input_tokens != null) inputTokens = event.usage.input_tokens
            break
          case 'message_stop':
            stopped = true
            break
        }
      }
      signal.throwIfAborted()
      if (stopped && finishReason) yield { type: 'finish', finishReason, usage: { inputTokens, outputTokens } }
    },
  }
}
