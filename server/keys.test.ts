import { describe, expect, it } from 'vitest'
import { readListing, latestAttempt } from './chat-listing.ts'
import {
  attemptKey,
  cancelKey,
  chatIdOfKey,
  chatPrefix,
  isParticipantId,
  parseChatKey,
  parseClientKey,
  pickKey,
  recoveryKey,
  requestKey,
  resultKey,
  retryKey,
  slotKey,
  idempotencyKey,
  turnKey,
  type AttemptKind,
} from './keys.ts'

const chatId = '3f0c2a9e-5d1b-4c7a-9e2f-8a6b4c3d2e1f'

describe('blob keys', () => {
  it('are leaves only, sharded by the chat id', () => {
    expect(requestKey(chatId)).toBe(`chats/3/f/${chatId}/request`)
    expect(turnKey(chatId, 2)).toBe(`chats/3/f/${chatId}/meta/turns/2`)
    expect(resultKey(chatId, 1, 'openai-2', 3)).toBe(`chats/3/f/${chatId}/results/1/openai-2.3`)
    expect(pickKey(chatId, 4)).toBe(`chats/3/f/${chatId}/meta/picks/4`)
    const all = [requestKey(chatId), turnKey(chatId, 2), resultKey(chatId, 1, 'a', 1), retryKey(chatId, 1, 'a', 2), pickKey(chatId, 1)]
    for (const key of all) for (const other of all) expect(other.startsWith(`${key}/`)).toBe(false)
  })

  it('refuse anything that is not a valid id instead of building a key from it', () => {
    expect(() => requestKey('../etc')).toThrow()
    expect(() => resultKey(chatId, 1, 'Bad_Id', 1)).toThrow()
    expect(() => resultKey(chatId, 0, 'a', 1)).toThrow()
    expect(() => turnKey(chatId, 1)).toThrow()
  })

  // Participant ids with digits and hyphens must keep their retry, cancel and recovery markers.
  it.each(['openai', 'openai-2', 'claude-3', 'x', '0', 'a-b-c-9', 'ollama-llama3-2-3b'])('round-trip every kind of key for the participant id %s', (id) => {
    expect(isParticipantId(id)).toBe(true)
    for (const kind of ['results', 'retries', 'cancels', 'recoveries'] as AttemptKind[]) {
      expect(parseChatKey(chatId, attemptKey(kind, chatId, 12, id, 3))).toEqual({ kind, turn: 12, participant: id, attempt: 3 })
    }
    const listing = readListing(chatId, [
      { key: resultKey(chatId, 2, id, 1), etag: 'e1' },
      { key: retryKey(chatId, 2, id, 2), etag: 'e2' },
      { key: cancelKey(chatId, 2, id, 2), etag: 'e3' },
      { key: recoveryKey(chatId, 2, id, 2), etag: 'e4' },
      { key: turnKey(chatId, 2), etag: 'e5' },
    ])
    expect(latestAttempt(listing, 2, id)).toBe(2)
    expect(listing.cancels.has(`2/${id}.2`)).toBe(true)
    expect(listing.recoveries.has(`2/${id}.2`)).toBe(true)
    expect(listing.latestTurn).toBe(2)
  })

  it('parse everything else under a chat as nothing (e.g. the local blob server\'s temporary files)', () => {
    expect(parseChatKey(chatId, `${chatPrefix(chatId)}results/1/.tmp123`)).toBeNull()
    expect(parseChatKey(chatId, `${chatPrefix(chatId)}results/1/Upper.1`)).toBeNull()
    expect(parseChatKey(chatId, `${chatPrefix(chatId)}meta/turns/1`)).toBeNull()
    expect(parseChatKey(chatId, `${chatPrefix(chatId)}request`)).toEqual({ kind: 'request' })
    expect(chatIdOfKey(resultKey(chatId, 1, 'a', 1))).toBe(chatId)
    expect(chatIdOfKey('clients/x/slots/0')).toBeNull()
  })

  it('build and parse client keys', () => {
    expect(parseClientKey(slotKey('abc', 2))).toEqual({ client: 'abc', kind: 'slot', slot: 2 })
    expect(parseClientKey(idempotencyKey('abc', 'h4sh'))).toEqual({ client: 'abc', kind: 'idempotency', hash: 'h4sh' })
    expect(parseClientKey('clients/abc/other/1')).toBeNull()
  })
})
