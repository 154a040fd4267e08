/** Google Gemini `streamGenerateContent` (SSE), through @google/genai. */
import type { FinishReason, Usage } from '../../../shared/types.ts'
import type { ProviderDefinition } from '../registry.ts'
import type { ProviderAdapter, StreamEvent } from '../types.ts'

const SAFETY = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE'])

export function mapGeminiFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'STOP') return 'stop'
  if (reason === 'MAX_TOKENS') return 'length'
  if (reason && SAFETY.has(reason)) return 'content_filter'
  return 'other'
}

export function createGeminiAdapter(provider: ProviderDefinition): ProviderAdapter {
  return {
    id: provider.id,
    async *stream(call, { signal }): AsyncGenerator<StreamEvent> {
      const { GoogleGenAI } = await import('@google/genai')
      // The SDK retries nothing unless `retryOptions` is set; the runner retries before the first byte.
      const ai = new GoogleGenAI({ apiKey: provider.apiKey, ...(provider.baseUrl ? { httpOptions: { baseUrl: provider.baseUrl } } : {}) })
      const stream = await ai.models.generateContentStream({
        model: call.model,
        // Gemini calls the assistant `model`.
        contents: call.messages.map((message) => ({ role: message.role === 'assistant' ? 'model' : 'user', parts: [{ text: message.content }] })),
        config: {
          abortSignal: signal,
          maxOutputTokens: call.maxTokens,
          ...(call.system ? { systemInstruction: call.system } : {}),
          ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        },
      })
      let finishReason: FinishReason | undefined
      let usage: Usage | undefined
      let model: string | undefined
      for await (const chunk of stream) {
        if (chunk.modelVersion && chunk.modelVersion !== model) yield { type: 'model', model: (model = chunk.modelVersion) }
        const candidate = chunk.candidates?.[0]
        for (const part of candidate?.content?.parts ?? []) {
          if (part.text && !part.thought) yield { type: 'text', text: part.text }
        }
        if (candidate?.finishReason) finishReason = mapGeminiFinishReason(candidate.finishReason)
        if (chunk.promptFeedback?.blockReason) finishReason = 'content_filter'
        const meta = chunk.usageMetadata
        if (meta) {
          usage = {
            inputTokens: meta.promptTokenCount ?? 0,
            // Thinking tokens are billed as output, as OpenAI's completion_tokens include reasoning.
            outputTokens: (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0),
          }
        }
      }
      signal.throwIfAborted()
      if (finishReason) yield { type: 'finish', finishReason, ...(usage ? { usage } : {}) }
    },
  }
}
