import { describe, expect, it } from 'vitest'
import { duration, errorHeadline, metrics } from './format.ts'
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
