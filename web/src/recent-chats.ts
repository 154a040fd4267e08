/** The "recent chats" list kept in localStorage: newest first, at most 20. */
import type { Storage } from './api.ts'

export interface RecentChat {
  id: string
  /** The prompt, cut to 140 characters. */
  prompt: string
  createdAt: string
  expiresAt?: string
  /** The server answered 404 or 410 for it. */
  gone?: boolean
}

const KEY = 'ai-chat:recent'
const LIMIT = 20

export function readRecent(storage: Storage): RecentChat[] {
  try {
    const list: unknown = JSON.parse(storage.getItem(KEY) ?? '[]')
    return Array.isArray(list) ? list.filter((item) => typeof item?.id === 'string') : []
  } catch {
    return []
  }
}

/** Adds or updates an entry (keeping its place), and stores the list. */
export function rememberChat(storage: Storage, list: RecentChat[], entry: RecentChat): RecentChat[] {
  const known = list.find((item) => item.id === entry.id)
  const merged = { ...known, ...entry, prompt: entry.prompt.slice(0, 140) }
  const next = known ? list.map((item) => (item === known ? merged : item)) : [merged, ...list].slice(0, LIMIT)
  try {
    storage.setItem(KEY, JSON.stringify(next))
  } catch {
    // Storage full or disabled: the list lives for this page only.
  }
  return next
}

export function isExpired(chat: RecentChat, now: number): boolean {
  return !!chat.gone || (!!chat.expiresAt && Date.parse(chat.expiresAt) <= now)
}
