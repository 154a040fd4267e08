/** Picks the adapter for a provider. Each real adapter loads its SDK only when it streams. */
import type { Env, ProviderId } from '../../shared/catalogue.ts'
import { createAnthropicAdapter } from './anthropic.ts'
import { createDemoAdapter } from './demo.ts'
import { createGeminiAdapter } from './gemini.ts'
import { createOpenAIAdapter } from './openai.ts'
import type { ProviderAdapter } from './types.ts'

const REAL: Record<ProviderId, (env: Env) => ProviderAdapter> = {
  openai: createOpenAIAdapter,
  anthropic: createAnthropicAdapter,
  gemini: createGeminiAdapter,
}

export function adapterFor(provider: ProviderId, { demo, env }: { demo: boolean; env: Env }): ProviderAdapter {
  return demo ? createDemoAdapter(provider, env) : REAL[provider](env)
}
