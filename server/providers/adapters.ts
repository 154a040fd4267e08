/**
 * The adapters of real chats: each provider kind's official SDK, loaded only when it streams. Demo
 * runs use `demoAdapters` from demo.ts instead, whose imports reach no SDK, so the demo run's
 * function bundle carries none.
 */
import type { ProviderKind } from '../../shared/catalogue.ts'
import { createAnthropicAdapter } from './anthropic/adapter.ts'
import { createDemoAdapter } from './demo.ts'
import { createGeminiAdapter } from './gemini/adapter.ts'
import { createOpenAIAdapter } from './openai/adapter.ts'
import type { ProviderDefinition } from './registry.ts'
import type { AdapterFactory, ProviderAdapter } from './types.ts'

const ADAPTERS: Readonly<Record<ProviderKind, (provider: ProviderDefinition) => ProviderAdapter>> = {
  openai: createOpenAIAdapter,
  anthropic: createAnthropicAdapter,
  gemini: createGeminiAdapter,
}

export const allAdapters: AdapterFactory = (provider, chat) => (chat.demo ? createDemoAdapter(provider, process.env) : ADAPTERS[provider.kind](provider))

const SDKS: Readonly<Record<ProviderKind, () => Promise<unknown>>> = {
  openai: () => import('openai'),
  anthropic: () => import('@anthropic-ai/sdk'),
  gemini: () => import('@google/genai'),
}

/**
 * Loads the SDKs of the given kinds now. The local emulator rebuilds a function's folder on every
 * call, and an SDK imported lazily in the middle of a run can vanish under it; loading them first
 * thing narrows that window to the run's start. On Netlify it only moves the load earlier.
 */
export async function preloadSdks(kinds: Iterable<ProviderKind>): Promise<void> {
  await Promise.all([...new Set(kinds)].map((kind) => SDKS[kind]()))
}
