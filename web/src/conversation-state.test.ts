// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { createConversation, participantIds } from './conversation.ts'
import { conversationDoc, done, latestOnly, queued, statusDoc, streaming } from './testing/fixtures.ts'

const first = { message: 'One?', results: { openai: done('openai', 'a'), anthropic: done('anthropic', 'b') } }

describe('a conversation’s signals', () => {
  it('change only where the document changed', () => {
    const conversation = createConversation()
    conversation.ingest(conversationDoc([first, { message: 'Two?', results: { openai: streaming('openai', 'c'), anthropic: queued('anthropic') } }]))
    const turns = conversation.turns.value
    const participants = conversation.participants.value
    const earlier = conversation.cell(1, 'openai').value
    const waiting = conversation.cell(2, 'anthropic').value

    conversation.ingest(latestOnly(conversationDoc([first, { message: 'Two?', results: { openai: streaming('openai', 'c d'), anthropic: queued('anthropic') } }])))
    expect(conversation.turns.value).toBe(turns)
    expect(conversation.participants.value).toBe(participants)
    expect(conversation.cell(1, 'openai').value).toBe(earlier) // kept: turns=latest sent no results for turn 1
    expect(conversation.cell(2, 'anthropic').value).toBe(waiting)
    expect(conversation.cell(2, 'openai').value?.text).toBe('c d')
    expect(conversation.missingResults()).toBe(false)
  })

  it('know when earlier answers were never received', () => {
    const conversation = createConversation()
    conversation.ingest(latestOnly(conversationDoc([first, { message: 'Two?', results: { openai: done('openai', 'c') } }])))
    expect(conversation.missingResults()).toBe(true)
  })

  it('read a document without turns or participants as one turn', () => {
    const conversation = createConversation()
    const doc = statusDoc({ openai: done('openai', 'a') })
    conversation.ingest({ ...doc, turns: undefined, participants: undefined })
    expect(conversation.turns.value.map((turn) => [turn.turn, turn.message, turn.participants])).toEqual([[1, 'Compare these models', ['openai']]])
    expect(conversation.participants.value.map((participant) => [participant.id, participant.provider])).toEqual([['openai', 'openai']])
  })
})

describe('participantIds', () => {
  it('numbers repeats of a provider as the server does', () => {
    expect(participantIds(['openai', 'anthropic', 'openai', 'openai'])).toEqual(['openai', 'anthropic', 'openai-2', 'openai-3'])
  })
})
