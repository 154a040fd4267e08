/**
 * Simulated providers for demo mode (no key, or `AI_CHAT_DEMO=1`): deterministic Markdown answers
 * streamed at realistic, different speeds, so a fresh `npm start` or a deploy preview shows the whole
 * flow without calling anyone. `AI_CHAT_DEMO_SPEED` multiplies the speed (default 1).
 */
import { PROVIDERS, type Env, type ProviderId } from '../../shared/catalogue.ts'
import type { AdapterFactory, ProviderAdapter, StreamEvent } from './types.ts'
import { sleep } from '../sleep.ts'

interface Pace {
  /** Time to first token. */
  firstTokenMs: number
  /** Between chunks. */
  chunkMs: number
  /** Words per chunk. */
  wordsPerChunk: [min: number, max: number]
}

const PACE: Record<ProviderId, Pace> = {
  openai: { firstTokenMs: 700, chunkMs: 45, wordsPerChunk: [1, 3] },
  anthropic: { firstTokenMs: 1100, chunkMs: 60, wordsPerChunk: [2, 5] },
  gemini: { firstTokenMs: 200, chunkMs: 80, wordsPerChunk: [4, 9] },
}

/** FNV-1a: a stable seed from the prompt, so the same prompt always streams the same answer. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

function random(seed: number): () => number {
  let state = seed || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 2 ** 32
  }
}

function quote(message: string): string {
  const short = message.replace(/\s+/g, ' ').trim()
  return short.length > 160 ? `${short.slice(0, 160)}…` : short
}

/** The simulated answer of one provider to one prompt. */
export function demoAnswer(provider: ProviderId, message: string, model: string): string {
  const label = PROVIDERS[provider].label
  const intro = `**Demo answer** from the simulated ${label} provider (\`${model}\`). No API key is configured, so nothing was sent to ${label}.`
  const asked = `> ${quote(message)}`
  const bodies: Record<ProviderId, string> = {
    openai: [
      'Here is how a real answer would arrive on this card:',
      '',
      '1. The request was stored and answered with **202** at once.',
      '2. A background function called every provider in parallel.',
      '3. Each provider wrote its own result blob while it streamed, and this page polled for it.',
      '',
      'Set `OPENAI_API_KEY` (or deploy with Netlify AI Gateway) to compare real models.',
    ].join('\n'),
    anthropic: [
      'A few things worth knowing about this comparison:',
      '',
      '- Providers stream at different speeds, so cards fill at different times.',
      '- A slow or failing provider never holds back the others.',
      '- Results stay available for an hour at the same link.',
      '',
      '```ts',
      "const res = await fetch('/api/ai/chat', { method: 'POST', body: JSON.stringify({ message: 'Hi' }) })",
      'const { chatId } = await res.json() // then poll /api/ai/chat/<chatId>',
      '```',
    ].join('\n'),
    gemini: [
      'Short version: this is the demo mode that deploy previews and fresh clones run in.',
      '',
      '| Step | Where |',
      '| --- | --- |',
      '| Store the chat | `POST /api/ai/chat` |',
      '| Call the providers | background function |',
      '| Read partial results | `GET /api/ai/chat/<id>` |',
      '',
      'Add `GEMINI_API_KEY` to get a real Gemini answer here.',
    ].join('\n'),
  }
  return `${intro}\n\n${asked}\n\n${bodies[provider]}\n`
}


const estimateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4))

export function createDemoAdapter(provider: ProviderId, env: Env): ProviderAdapter {
  const speed = Number(env.AI_CHAT_DEMO_SPEED) > 0 ? Number(env.AI_CHAT_DEMO_SPEED) : 1
  const pace = PACE[provider]
  return {
    id: provider,
    async *stream(call, { signal }): AsyncGenerator<StreamEvent> {
      const full = demoAnswer(provider, call.message, call.model)
      // Honour the token cap the way a real model does: stop early and say why.
      const limit = call.maxTokens * 4
      const text = full.length > limit ? full.slice(0, limit) : full
      const next = random(hash(`${provider}\n${call.message}`))
      yield { type: 'model', model: call.model }
      await sleep(pace.firstTokenMs / speed, signal)
      const words = text.split(/(?<=\s)/)
      for (let i = 0; i < words.length; ) {
        const [min, max] = pace.wordsPerChunk
        const count = min + Math.floor(next() * (max - min + 1))
        yield { type: 'text', text: words.slice(i, i + count).join('') }
        i += count
        if (i < words.length) await sleep(pace.chunkMs / speed, signal)
      }
      yield {
        type: 'finish',
        finishReason: text.length < full.length ? 'length' : 'stop',
        usage: { inputTokens: estimateTokens((call.system ?? '') + call.message), outputTokens: estimateTokens(text) },
      }
    },
  }
}

/** The adapters of the demo run: the simulated providers only, for demo chats only. */
export const demoAdapters: AdapterFactory = (provider, chat) => {
  if (!chat.demo) throw new Error('The demo run answers demo chats only.')
  return createDemoAdapter(provider, process.env)
}
