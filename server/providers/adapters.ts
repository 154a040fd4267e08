/**
 * The adapters of real chats: each provider's official SDK (loaded only when it streams), or the
 * simulated providers for a demo chat. Demo runs use `demoAdapters` from demo.ts instead, whose
 * imports reach no SDK, so the demo run's function bundle carries none.
 */
import type { Env, ProviderId } from '../../shared/catalogue.ts'
import { createAnthropicAdapter } from './anthropic.ts'
import { createDemoAdapter } from './demo.ts'
import { createGeminiAdapter } from './gemini.ts'
import { createOpenAIAdapter } from './openai.ts'
import type { AdapterFactory, ProviderAdapter } from './types.ts'

const REAL: Record<ProviderId, (env: Env) => ProviderAdapter> = {
  openai: createOpenAIAdapter,
  anthropic: createAnthropicAdapter,
  gemini: createGeminiAdapter,
}

export function adapterFor(provider: ProviderId, { demo, env }: { demo: boolean; env: Env }): ProviderAdapter {
  return demo ? createDemoAdapter(provider, env) : REAL[provider](env)
}

export const allAdapters: AdapterFactory = (provider, chat) => adapterFor(provider, { demo: chat.demo, env: process.env })

const SDKS: Record<ProviderId, () => Promise<unknown>> = {
  openai: () => import('openai'),
  anthropic: () => import('@anthropic-ai/sdk'),
  gemini: () => import('@google/genai'),
}

/**
 * Loads the SDKs of the given providers now. The local emulator rebuilds a function's folder on
 * every call, and an SDK imported lazily in the middle of a run can vanish under it; loading them
 * first thing narrows that window to the run's start. On Netlify it only moves the load earlier.
 */
export async function preloadSdks(providers: readonly ProviderId[]): Promise<void> {
  await Promise.all(providers.map((provider) => SDKS[provider]()))
}
