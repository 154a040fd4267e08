/**
 * Simulated providers for demo mode (no usable provider, or `AI_CHAT_DEMO=1`): deterministic
 * Markdown answers streamed at realistic, different speeds, so a fresh `npm start` or a deploy
 * preview shows the whole flow without calling anyone. Each kind has its own pace and text (its
 * folder's demo.ts); different models of one provider differ in speed and wording; a follow-up shows
 * that each model only sees its own earlier answers. `AI_CHAT_DEMO_SPEED` multiplies the speed.
 */
import type { Env } from '../../shared/catalogue.ts'
import { fnv1a, seededRandom } from '../../shared/hash.ts'
import { sleep } from '../sleep.ts'
import { KINDS } from './kinds.ts'
import type { ProviderDefinition } from './registry.ts'
import type { AdapterFactory, ChatMessage, ProviderAdapter, StreamEvent } from './types.ts'

function quote(message: string): string {
  const short = message.replace(/\s+/g, ' ').trim()
  return short.length > 160 ? `${short.slice(0, 160)}…` : short
}

/** The simulated answer of one provider's model to a conversation (its own history only). */
export function demoAnswer(provider: Pick<ProviderDefinition, 'kind' | 'label' | 'keyEnv'>, model: string, messages: readonly ChatMessage[]): string {
  const { label } = provider
  const asked = messages.at(-1)?.content ?? ''
  const earlier = messages.filter((message) => message.role === 'assistant').length
  const intro = `**Demo answer** from the simulated ${label} provider (\`${model}\`). No request was sent to ${label}.`
  const memory = earlier
    ? `This is a follow-up: I see my own ${earlier === 1 ? 'earlier answer' : `${earlier} earlier answers`} in this chat, and none of the other models'.`
    : ''
  // The variable people set (Gemini's SDK reads GOOGLE_API_KEY first, but AI Gateway and the docs use GEMINI_API_KEY).
  const body = KINDS[provider.kind].demo.body({ label, keyEnv: provider.keyEnv.at(-1) ?? 'an API key', variant: fnv1a(model) % 2 })
  return [intro, `> ${quote(asked)}`, memory, body].filter(Boolean).join('\n\n') + '\n'
}

const estimateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4))

/** How fast one model of a provider streams in demo mode: its kind's pace, from 0.7× to 1.3× by model. */
export function demoPace(provider: Pick<ProviderDefinition, 'kind'>, model: string, speed = 1): { firstTokenMs: number; chunkMs: number; wordsPerChunk: [number, number] } {
  const pace = KINDS[provider.kind].demo
  const factor = (0.7 + (fnv1a(model) % 61) / 100) / speed
  return { firstTokenMs: pace.firstTokenMs * factor, chunkMs: pace.chunkMs * factor, wordsPerChunk: pace.wordsPerChunk }
}

export function createDemoAdapter(provider: ProviderDefinition, env: Env): ProviderAdapter {
  const speed = Number(env.AI_CHAT_DEMO_SPEED) > 0 ? Number(env.AI_CHAT_DEMO_SPEED) : 1
  return {
    id: provider.id,
    async *stream(call, { signal }): AsyncGenerator<StreamEvent> {
      const full = demoAnswer(provider, call.model, call.messages)
      // Honour the token cap the way a real model does: stop early and say why.
      const limit = call.maxTokens * 4
      const text = full.length > limit ? full.slice(0, limit) : full
      const next = seededRandom(fnv1a(`${provider.id}\n${call.model}\n${call.messages.at(-1)?.content ?? ''}`))
      const pace = demoPace(provider, call.model, speed)
      yield { type: 'model', model: call.model }
      await sleep(pace.firstTokenMs, signal)
      const words = text.split(/(?<=\s)/)
      for (let i = 0; i < words.length; ) {
        const [min, max] = pace.wordsPerChunk
        const count = min + Math.floor(next() * (max - min + 1))
        yield { type: 'text', text: words.slice(i, i + count).join('') }
        i += count
        if (i < words.length) await sleep(pace.chunkMs, signal)
      }
      const input = (call.system ?? '') + call.messages.map((message) => message.content).join('\n')
      yield {
        type: 'finish',
        finishReason: text.length < full.length ? 'length' : 'stop',
        usage: { inputTokens: estimateTokens(input), outputTokens: estimateTokens(text) },
      }
    },
  }
}

/** The adapters of the demo run: the simulated providers only, for demo chats only. */
export const demoAdapters: AdapterFactory = (provider, chat) => {
  if (!chat.demo) throw new Error('The demo run answers demo chats only.')
  return createDemoAdapter(provider, process.env)
}
