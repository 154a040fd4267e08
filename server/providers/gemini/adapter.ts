/** Google Gemini `streamGenerateContent` (SSE), through @google/genai. */
import type { FinishReason } from '../../shared/types.ts'
import type { Env } from '../../shared/catalogue.ts'
import { providerKey } from '../settings.ts'
import type { ProviderAdapter, StreamEvent } from './types.ts'

const SAFETY = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE'])

export function mapGeminiFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'STOP') return 'stop'
  if (reason === 'MAX_TOKENS') return 'length'
  if (reason && SAFETY.has(reason)) return 'content_filter'
  return 'other'
}

export function createGeminiAdapter(env: Env): ProviderAdapter {
  return {
    id: 'gemini',
    async *stream(call, { signal }): AsyncGenerator<StreamEvent> {
      const { GoogleGenAI } = await import('@google/genai')
      const baseUrl = env.GOOGLE_GEMINI_BASE_URL?.trim()
      // The SDK retries nothing unless `retryOptions` is set; the runner retries before the first byte.
      const ai = new GoogleGenAI({ apiKey: providerKey('gemini', env), ...(baseUrl ? { httpOptions: { baseUrl } } : {}) })
      const stream = await ai.models.generateContentStream({
        model: call.model,
        contents: call.message,
        config: {
          abortSignal: signal,
          maxOutputTokens: call.maxTokens,
          ...(call.system ? { systemInstruction: call.system } : {}),
          ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        },
      })
      let finishReason: FinishReason | undefined
      let usage: { inputTokens: number; outputTokens: number } | undefined
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
