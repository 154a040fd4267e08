/** Blind comparison: columns in an order that depends only on the chat, labelled A, B, C, … Pure. */

/** FNV-1a over the string: a small, stable hash (not for security; only to shuffle). */
function hash(text: string): number {
  let value = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index)
    value = Math.imul(value, 0x01000193) >>> 0
  }
  return value
}

/** The items shuffled by chat: the same chat always gives the same order, on any device. */
export function blindOrder<T extends { id: string }>(chatId: string, items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, rank: hash(`${chatId}:${item.id}`) }))
    .sort((a, b) => a.rank - b.rank || a.item.id.localeCompare(b.item.id))
    .map(({ item }) => item)
}

/** 0 → "A", 1 → "B", … */
export const letterOf = (index: number) => String.fromCharCode(65 + (index % 26))
