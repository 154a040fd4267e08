import { describe, expect, it } from 'vitest'
import { conversationChars, conversationOf, CUT_MARK } from './history.ts'

const done = (text: string) => ({ status: 'done' as const, text })

describe("a participant's own conversation", () => {
  it('is every earlier message with its own answer, then the new message', () => {
    expect(conversationOf([{ message: 'Q1', took: true, answer: done('A1') }, { message: 'Q2', took: true, answer: done('A2') }], 'Q3')).toEqual([
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
      { role: 'assistant', content: 'A2' },
      { role: 'user', content: 'Q3' },
    ])
  })

  it('carries no answer for a turn without text, and merges the user messages that then meet', () => {
    const failed = { status: 'error' as const, text: '' }
    expect(conversationOf([{ message: 'Q1', took: true, answer: failed }], 'Q2')).toEqual([{ role: 'user', content: 'Q1\n\nQ2' }])
  })

  it('sends the partial text of an interrupted answer, marked as cut', () => {
    const cut = { status: 'cancelled' as const, text: 'Half an' }
    expect(conversationOf([{ message: 'Q1', took: true, answer: cut }], 'Q2')).toEqual([
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: `Half an${CUT_MARK}` },
      { role: 'user', content: 'Q2' },
    ])
  })

  it('leaves out turns it did not take part in', () => {
    expect(conversationOf([{ message: 'Q1', took: false, answer: null }, { message: 'Q2', took: true, answer: done('A2') }], 'Q3')).toEqual([
      { role: 'user', content: 'Q2' },
      { role: 'assistant', content: 'A2' },
      { role: 'user', content: 'Q3' },
    ])
  })

  it('is counted in characters with its system prompt', () => {
    expect(conversationChars([{ role: 'user', content: 'abc' }, { role: 'assistant', content: 'de' }], 'sys')).toBe(8)
  })
})
