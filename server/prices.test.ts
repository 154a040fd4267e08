import { calcPrice } from '@pydantic/genai-prices'
import { describe, expect, it } from 'vitest'
import { BUILT_IN_PROVIDERS, BUILT_IN_PROVIDER_IDS } from '../shared/catalogue.ts'
import { costOf, PRICE_TABLE, priceOf, pricesFromEnv } from './prices.ts'

describe('prices', () => {
  it('agree with @pydantic/genai-prices for every priced model of the catalogue (a package update shows which lines to change)', () => {
    for (const [key, price] of Object.entries(PRICE_TABLE)) {
      const [provider, model] = key.split('/') as [string, string]
      // 100k tokens: below every long-context tier; per million, rounded to the cent.
      const found = calcPrice({ input_tokens: 100_000, output_tokens: 100_000 }, model, { providerId: provider === 'gemini' ? 'google' : provider })
      const perMillion = (usd: number | undefined) => (usd === undefined ? undefined : Math.round(usd * 10 * 100) / 100)
      expect({ key, input: perMillion(found?.input_price), output: perMillion(found?.output_price) }).toEqual({ key, input: price.input, output: price.output })
    }
  })

  it('cover every model of the catalogue but the moving alias gemini-flash-latest', () => {
    const unpriced = BUILT_IN_PROVIDER_IDS.flatMap((id) => BUILT_IN_PROVIDERS[id].models.map((model) => `${id}/${model.id}`)).filter((key) => !PRICE_TABLE[key])
    expect(unpriced).toEqual(['gemini/gemini-flash-latest'])
  })

  it('price a dated snapshot as its model, and say where the price comes from', () => {
    expect(priceOf('openai', 'gpt-5-mini-2025-08-07', {})).toMatchObject({ price: { input: 0.25, output: 2 }, pricedAt: '2026-09-23' })
    expect(priceOf('anthropic', 'claude-haiku-4-5-20251001', {})?.price).toEqual({ input: 1, output: 5 })
    expect(priceOf('ollama', 'llama3.2:3b', {})).toBeNull()
  })

  it('take AI_CHAT_PRICES over the table, and ignore what is not a price', () => {
    const env = { AI_CHAT_PRICES: JSON.stringify({ 'ollama/llama3.2:3b': { input: 0, output: 0 }, 'openai/gpt-5': { input: 1, output: 2 }, bad: { input: 1, output: 1 }, 'x/y': { input: -1, output: 1 } }) }
    expect(pricesFromEnv(env)).toEqual({ 'ollama/llama3.2:3b': { input: 0, output: 0 }, 'openai/gpt-5': { input: 1, output: 2 } })
    expect(priceOf('openai', 'gpt-5', env)).toEqual({ price: { input: 1, output: 2 } })
    expect(pricesFromEnv({ AI_CHAT_PRICES: '{not json' })).toEqual({})
  })

  it('make a cost from usage, or null without usage or a price', () => {
    expect(costOf('anthropic', 'claude-sonnet-4-6', { inputTokens: 2_000_000, outputTokens: 100_000 }, {})).toEqual({ inputUsd: 6, outputUsd: 1.5, totalUsd: 7.5, pricedAt: '2026-09-23' })
    expect(costOf('anthropic', 'claude-sonnet-4-6', undefined, {})).toBeNull()
    expect(costOf('ollama', 'llama3.2:3b', { inputTokens: 1, outputTokens: 1 }, {})).toBeNull()
  })
})
