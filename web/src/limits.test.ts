// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { clampSetting, DEFAULT_LIMITS, isChatId, lengthNote } from './limits.ts'

describe('lengthNote', () => {
  it('says nothing far from the limit, counts near it, and puts an overrun in a sentence', () => {
    expect(lengthNote('The prompt', 1000, 32_000)).toBeNull()
    expect(lengthNote('The prompt', 28_800, 32_000)).toEqual({ over: false, text: '28,800 of 32,000 characters' })
    expect(lengthNote('The prompt', 32_000, 32_000)?.over).toBe(false)
    expect(lengthNote('The prompt', 40_000, 32_000)).toEqual({ over: true, text: 'The prompt is 40,000 characters; the limit is 32,000.' })
  })
})

describe('clampSetting', () => {
  it.each([
    ['temperature', '', undefined, undefined],
    ['temperature', '0.7', 0.7, undefined],
    ['temperature', '5', 2, 'Temperature 5 is outside 0–2, so 2 is used.'],
    ['temperature', '-1', 0, 'Temperature -1 is outside 0–2, so 0 is used.'],
    ['temperature', 'warm', undefined, 'Temperature must be a number from 0 to 2; the default is used.'],
    ['maxTokens', '99999', 4096, 'Max tokens 99,999 is outside 1–4,096, so 4,096 is used.'],
    ['maxTokens', '0', 1, 'Max tokens 0 is outside 1–4,096, so 1 is used.'],
    ['maxTokens', '12.4', 12, 'Max tokens must be a whole number, so 12 is used.'],
  ] as const)('%s "%s" → %s', (name, typed, value, note) => {
    expect(clampSetting(name, typed, DEFAULT_LIMITS)).toEqual(note ? { value, note } : { value })
  })
})

describe('isChatId', () => {
  it('accepts a lowercase v4 UUID only', () => {
    expect(isChatId('7f0c6c1e-0f8a-4b8e-9d53-3c1e1e0a2b11')).toBe(true)
    expect(isChatId('7F0C6C1E-0F8A-4B8E-9D53-3C1E1E0A2B11')).toBe(false)
    expect(isChatId('garbage')).toBe(false)
  })
})
