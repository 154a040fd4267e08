// @vitest-environment node
import { describe, expect, it } from 'vitest'
import type { Storage } from './api.ts'
import { isExpired, readRecent, rememberChat } from './recent-chats.ts'

function memory(initial?: string): Storage & { items: Map<string, string> } {
  const items = new Map<string, string>(initial === undefined ? [] : [['ai-chat:recent', initial]])
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) }
}

describe('recent chats', () => {
  it('puts new chats first, updates known ones in place, keeps 20 and cuts long prompts', () => {
    const storage = memory()
    let list = readRecent(storage)
    for (let n = 1; n <= 21; n++) list = rememberChat(storage, list, { id: `c${n}`, prompt: `Prompt ${n}`, createdAt: '2026-11-29T12:00:00Z' })
    expect(list.map((chat) => chat.id).slice(0, 2)).toEqual(['c21', 'c20'])
    expect(list).toHaveLength(20)

    list = rememberChat(storage, list, { id: 'c20', prompt: 'x'.repeat(500), createdAt: '2026-11-29T12:00:00Z', expiresAt: '2026-11-29T13:00:00Z' })
    expect(list[1]).toMatchObject({ id: 'c20', expiresAt: '2026-11-29T13:00:00Z' })
    expect(list[1]!.prompt).toHaveLength(140)
    expect(readRecent(storage)).toEqual(list)
  })

  it('reads a damaged list as empty', () => {
    expect(readRecent(memory('{not json'))).toEqual([])
    expect(readRecent(memory('{"id": 1}'))).toEqual([])
  })

  it('counts a chat as expired after its expiry or once the server said it is gone', () => {
    const now = Date.parse('2026-11-29T13:30:00Z')
    expect(isExpired({ id: 'a', prompt: '', createdAt: '', expiresAt: '2026-11-29T13:00:00Z' }, now)).toBe(true)
    expect(isExpired({ id: 'a', prompt: '', createdAt: '', expiresAt: '2026-11-29T14:00:00Z' }, now)).toBe(false)
    expect(isExpired({ id: 'a', prompt: '', createdAt: '', gone: true }, now)).toBe(true)
    expect(isExpired({ id: 'a', prompt: '', createdAt: '' }, now)).toBe(false)
  })
})
