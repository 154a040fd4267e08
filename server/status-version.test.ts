import { describe, expect, it } from 'vitest'
import { contentHash, decodeVersion, encodeVersion, isBehind, stateOf } from './status-version.ts'

describe('the status version', () => {
  const version = { turn: 2, participants: [{ attempt: 1, status: 'done' as const }, { attempt: 12, status: 'streaming' as const }], hash: 'abc123', reviewAt: 1_764_400_000_000 }

  it('encodes the latest turn, each participant\'s attempt and status, the content hash and the review time, and decodes back', () => {
    const text = encodeVersion(version)
    expect(text).toBe(`t2.1d12s-abc123-${(1_764_400_000_000).toString(36)}`)
    expect(decodeVersion(text)).toEqual(version)
    expect(decodeVersion(encodeVersion({ ...version, reviewAt: null }))).toEqual({ ...version, reviewAt: null })
    expect(stateOf(version)).toBe('t2.1d12s')
  })

  it.each(['', 'garbage', '1d1d1d-mwx9g1', 't1.1x-abc', 't1.1d'])('reads %j as no version (then nothing is current)', (text) => {
    expect(decodeVersion(text)).toBeNull()
  })

  it('changes with what the document shows, and only with that', () => {
    expect(contentHash({ text: 'a', usage: 1 })).toBe(contentHash({ text: 'a', usage: 1 }))
    expect(contentHash({ text: 'a' })).not.toBe(contentHash({ text: 'ab' }))
  })

  it('knows when a reading is behind one a client has seen: an earlier turn, an older attempt, a status gone back', () => {
    const seen = { turn: 2, participants: [{ attempt: 2, status: 'streaming' as const }] }
    expect(isBehind({ turn: 1, participants: [{ attempt: 5, status: 'done' }] }, seen)).toBe(true)
    expect(isBehind({ turn: 2, participants: [{ attempt: 1, status: 'error' }] }, seen)).toBe(true)
    expect(isBehind({ turn: 2, participants: [{ attempt: 2, status: 'queued' }] }, seen)).toBe(true)
    expect(isBehind({ turn: 2, participants: [{ attempt: 2, status: 'done' }] }, seen)).toBe(false)
    expect(isBehind({ turn: 3, participants: [{ attempt: 1, status: 'queued' }] }, seen)).toBe(false)
  })
})
