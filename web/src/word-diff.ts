/** Word-level differences between two answers' Markdown, with a similarity figure. Loaded with the diff view. */
import { diffWords } from 'diff'

export type PartKind = 'same' | 'added' | 'removed'

export interface DiffPart {
  kind: PartKind
  text: string
  /** Words in this part (runs of non-space characters). */
  words: number
}

export interface WordDiff {
  parts: DiffPart[]
  /** Words in common over the mean length of the two texts: 1 for identical texts, 0 for nothing shared. */
  similarity: number
}

const wordCount = (text: string) => text.match(/\S+/g)?.length ?? 0

export function wordDiff(left: string, right: string): WordDiff {
  const parts = diffWords(left, right).map(
    (change): DiffPart => ({
      kind: change.added ? 'added' : change.removed ? 'removed' : 'same',
      text: change.value,
      words: wordCount(change.value),
    }),
  )
  const total = wordCount(left) + wordCount(right)
  const common = parts.filter((part) => part.kind === 'same').reduce((sum, part) => sum + part.words, 0)
  return { parts, similarity: total === 0 ? 1 : Math.min(1, (2 * common) / total) }
}

/** Unchanged runs longer than this many words fold, keeping `KEEP_WORDS` at each end in view. */
export const FOLD_WORDS = 40
export const KEEP_WORDS = 12

/**
 * An unchanged run split for folding: the words kept in view before and after, and the hidden middle
 * (null when the run is short enough to show whole).
 */
export function fold(text: string): { head: string; hidden: string; tail: string; hiddenWords: number } | null {
  const tokens = text.split(/(\s+)/)
  const words = tokens.filter((token, index) => index % 2 === 0 && token !== '').length
  if (words <= FOLD_WORDS) return null
  // Tokens alternate word, space, word…; a leading space gives an empty first word.
  const cut = (count: number, fromEnd: boolean) => {
    let seen = 0
    const order = fromEnd ? [...tokens.keys()].reverse() : [...tokens.keys()]
    for (const index of order) {
      if (index % 2 === 0 && tokens[index] !== '') seen++
      if (seen === count) return fromEnd ? index : index + 1
    }
    return fromEnd ? 0 : tokens.length
  }
  const headEnd = cut(KEEP_WORDS, false)
  const tailStart = cut(KEEP_WORDS, true)
  return {
    head: tokens.slice(0, headEnd).join(''),
    hidden: tokens.slice(headEnd, tailStart).join(''),
    tail: tokens.slice(tailStart).join(''),
    hiddenWords: words - 2 * KEEP_WORDS,
  }
}
