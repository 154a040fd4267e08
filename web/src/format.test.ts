// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { costText, duration, errorHeadline, friendlyNote, metrics, usd } from './format.ts'
import { done, streaming } from './testing/fixtures.ts'

describe('duration', () => {
  it.each([
    [0, '0 ms'],
    [849.6, '850 ms'],
    [1000, '1.0 s'],
    [2449, '2.4 s'],
    [59_940, '59.9 s'],
    [65_000, '1 min 5 s'],
  ])('shows %d ms as "%s"', (milliseconds, words) => {
    expect(duration(milliseconds)).toBe(words)
  })
})

describe('metrics', () => {
  it('measures the first token and the total from the call’s start, and speed over the streamed part', () => {
    const { firstToken, total, tokensPerSecond } = metrics(done('openai', 'x'))
    expect([firstToken, total]).toEqual([700, 2800])
    expect(tokensPerSecond).toBeCloseTo(240 / 2.1)
  })

  it('leaves out what a running or usage-less result cannot tell', () => {
    expect(metrics(streaming('openai', 'x'))).toEqual({ firstToken: 700, total: undefined, tokensPerSecond: undefined })
    expect(metrics(done('openai', 'x', { usage: undefined })).tokensPerSecond).toBeUndefined()
  })
})

describe('errorHeadline', () => {
  it.each([
    ['rate_limited', 'Rate limited by Anthropic — try again in a minute'],
    ['overloaded', 'Anthropic is overloaded right now — try again shortly'],
    ['auth', 'Anthropic refused the API key — check the key set on the server'],
    ['timeout', 'Anthropic took too long to answer'],
    ['content_filtered', 'Anthropic blocked this answer with its content filter'],
    ['internal', 'Something went wrong while asking Anthropic'],
  ] as const)('puts %s in words', (code, words) => {
    expect(errorHeadline('Anthropic', { code, message: 'raw', retryable: true })).toBe(words)
  })
})

describe('costs', () => {
  it.each([
    [0.0012, '$0.0012'],
    [0.01234, '$0.0123'],
    [1.5, '$1.50'],
    [0.00001, '< $0.0001'],
    [0, 'free'],
  ])('shows %d dollars as "%s"', (amount, words) => {
    expect(usd(amount)).toBe(words)
  })

  it('says "price unknown" for an answer without a price, never $0', () => {
    expect(costText(null)).toBe('price unknown')
    expect(costText(undefined)).toBe('price unknown')
    expect(costText({ totalUsd: 0.0012 })).toBe('$0.0012')
  })
})

describe('friendlyNote', () => {
  it.each([
    ['maxTokens lowered from 99999 to the server cap of 4096.', 'Max tokens lowered from 99,999 to the server cap of 4,096.'],
    ['temperature lowered from 1.5 to 1, the most Anthropic accepts.', 'Temperature lowered from 1.5 to 1, the most Anthropic accepts.'],
    ['system left out: o4-mini takes none.', 'System prompt left out: o4-mini takes none.'],
    ['temperature left out: gpt-5-mini-2025-08-07 takes only its default.', 'Temperature left out: gpt-5-mini-2025-08-07 takes only its default.'],
  ])('puts "%s" in everyday words', (note, words) => {
    expect(friendlyNote(note)).toBe(words)
  })
})
