/**
 * What an answer cost: its usage times the price of the model that was asked for.
 *
 * The table is small and dated, kept here rather than taken from a price package at run time:
 * `@pydantic/genai-prices` (MIT, the best-kept one) covers every model below, but its data is one
 * 480 kB array that no bundler can shake (76 kB gzipped and ~100 ms of cold start in every function
 * that loads it). It is a devDependency instead, and `prices.test.ts` fails when its figures and
 * these drift apart, so a package update shows which lines to change.
 *
 * Prices are USD per million tokens, standard tier. The long-context tiers (above 200k-272k input
 * tokens) never apply here: `AI_CHAT_MAX_CONTEXT_CHARS` keeps a request far below them.
 * `AI_CHAT_PRICES` adds or overrides prices (that is how OpenAI-compatible providers get priced).
 */
import type { Env } from '../shared/catalogue.ts'
import type { Cost, Usage } from '../shared/types.ts'

export interface Price {
  /** USD per million input tokens. */
  input: number
  /** USD per million output tokens. */
  output: number
}

/** The date of the table's figures (from @pydantic/genai-prices 0.1.8, itself from the providers' pricing pages). */
export const PRICES_AS_OF = '2026-09-23'

/** `<provider>/<model>` → price. */
export const PRICE_TABLE: Readonly<Record<string, Price>> = {
  'openai/gpt-5.5': { input: 5, output: 30 },
  'openai/gpt-5.4': { input: 2.5, output: 15 },
  'openai/gpt-5': { input: 1.25, output: 10 },
  'openai/gpt-5-mini': { input: 0.25, output: 2 },
  'openai/gpt-5-nano': { input: 0.05, output: 0.4 },
  'openai/gpt-4.1': { input: 2, output: 8 },
  'openai/gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'openai/gpt-4o-mini': { input: 0.15, output: 0.6 },
  'openai/o4-mini': { input: 1.1, output: 4.4 },
  'anthropic/claude-opus-4-7': { input: 5, output: 25 },
  'anthropic/claude-opus-4-6': { input: 5, output: 25 },
  'anthropic/claude-sonnet-4-6': { input: 3, output: 15 },
  'anthropic/claude-haiku-4-5': { input: 1, output: 5 },
  'gemini/gemini-3.1-pro-preview': { input: 2, output: 12 },
  'gemini/gemini-3-flash-preview': { input: 0.5, output: 3 },
  'gemini/gemini-2.5-pro': { input: 1.25, output: 10 },
  'gemini/gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'gemini/gemini-2.5-flash-lite': { input: 0.1, output: 0.4 },
  // gemini-flash-latest is an alias whose target Google moves: no fixed price ("price unknown").
}

/** `AI_CHAT_PRICES`: `{ "<provider>/<model>": { "input": usdPerMTok, "output": usdPerMTok } }`. Invalid entries are ignored. */
export function pricesFromEnv(env: Env): Record<string, Price> {
  const raw = env.AI_CHAT_PRICES?.trim()
  if (!raw) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return {}
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {}
  const prices: Record<string, Price> = {}
  for (const [key, value] of Object.entries(parsed)) {
    const { input, output } = (value ?? {}) as Partial<Price>
    const valid = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0
    if (/^[^/]+\/.+$/.test(key) && valid(input) && valid(output)) prices[key] = { input, output }
  }
  return prices
}

/** A dated snapshot (`gpt-5-mini-2025-08-07`, `claude-haiku-4-5-20251001`) is priced as its model. */
const undated = (model: string) => model.replace(/-(\d{4}-\d{2}-\d{2}|\d{8})$/, '')

/** The price of a model and where it came from, or null when it is unknown. */
export function priceOf(provider: string, model: string, env: Env): { price: Price; pricedAt?: string } | null {
  const overrides = pricesFromEnv(env)
  for (const name of [model, undated(model)]) {
    const key = `${provider}/${name}`
    if (overrides[key]) return { price: overrides[key] }
    if (PRICE_TABLE[key]) return { price: PRICE_TABLE[key], pricedAt: PRICES_AS_OF }
  }
  return null
}

const usd = (tokens: number, perMillion: number) => Math.round((tokens * perMillion) / 1e6 * 1e8) / 1e8

/** The cost of an answer, or null without usage or a price. Looked up by the model that was asked for. */
export function costOf(provider: string, requestedModel: string, usage: Usage | undefined, env: Env): Cost | null {
  if (!usage) return null
  const found = priceOf(provider, requestedModel, env)
  if (!found) return null
  const inputUsd = usd(usage.inputTokens, found.price.input)
  const outputUsd = usd(usage.outputTokens, found.price.output)
  return {
    inputUsd,
    outputUsd,
    totalUsd: Math.round((inputUsd + outputUsd) * 1e8) / 1e8,
    ...(found.pricedAt ? { pricedAt: found.pricedAt } : {}),
  }
}
