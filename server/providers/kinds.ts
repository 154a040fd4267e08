/**
 * What differs per provider kind, apart from its adapter: how demo mode imitates it and how its
 * error bodies name a status. Imports no SDK (the demo run and the runner's error mapping use it);
 * the adapters, which load the SDKs, are registered in adapters.ts. A new kind is one folder with
 * its adapter, demo and errors, plus one line here and one there (both maps must be complete to
 * type-check).
 */
import type { ProviderKind } from '../../shared/catalogue.ts'
import { anthropicDemo } from './anthropic/demo.ts'
import { anthropicErrorStatus } from './anthropic/errors.ts'
import { geminiDemo } from './gemini/demo.ts'
import { openaiDemo } from './openai/demo.ts'
import type { DemoStyle } from './types.ts'

export interface KindTraits {
  demo: DemoStyle
  /** The HTTP status an error without one stands for (e.g. an error event inside a stream). */
  errorStatus?: (error: unknown) => number | undefined
}

export const KINDS: Readonly<Record<ProviderKind, KindTraits>> = {
  openai: { demo: openaiDemo },
  anthropic: { demo: anthropicDemo, errorStatus: anthropicErrorStatus },
  gemini: { demo: geminiDemo },
}
