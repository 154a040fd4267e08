/**
 * Markdown cut off mid-stream, made fit to render: what is still being written at the end of the
 * text is closed (code) or held back (emphasis markers, links, table lines) so that a reader never
 * sees raw Markdown, such as `**Demo`, that the next chunk turns into formatting.
 */

interface Fence {
  indent: string
  marker: string
}

/**
 * The text with its unfinished tail completed: an open code fence or inline code span is closed; a
 * dangling `**`, `__`, `*` or `_`, an unfinished link or image, an incomplete table line and a line
 * holding only a block marker (`-`, `1.`, `#`) are dropped. Text before the last block is untouched.
 */
export function completePartialMarkdown(text: string): string {
  const { fence, tailStart } = scanBlocks(text)
  if (fence) return closeFence(text, fence)
  const tail = holdBackTableLines(text.slice(tailStart))
  const unitStart = inlineUnitStart(tail)
  const completed = tail.slice(0, unitStart) + completeInline(tail.slice(unitStart))
  return text.slice(0, tailStart) + holdBackBareMarker(completed)
}

const FENCE_LINE = /^([ \t]*)(`{3,}|~{3,})(.*)$/

/** The fence still open at the end, and where the last block (after a blank line or a fence) starts. */
function scanBlocks(text: string): { fence: Fence | null; tailStart: number } {
  let fence: Fence | null = null
  let tailStart = 0
  let offset = 0
  const lines = text.split('\n')
  for (const [index, line] of lines.entries()) {
    const next = offset + line.length + 1
    const match = FENCE_LINE.exec(line)
    if (fence) {
      const closes = match && match[2]![0] === fence.marker[0] && match[2]!.length >= fence.marker.length && !match[3]!.trim()
      if (closes) {
        fence = null
        tailStart = next
      }
    } else if (match && !(match[2]![0] === '`' && match[3]!.includes('`'))) {
      fence = { indent: match[1]!, marker: match[2]! }
    } else if (!line.trim() && index < lines.length - 1) {
      tailStart = next
    }
    offset = next
  }
  return { fence, tailStart: Math.min(tailStart, text.length) }
}

function closeFence(text: string, fence: Fence): string {
  const lastLine = text.slice(text.lastIndexOf('\n') + 1)
  // A closing fence half typed (`` or ~) would otherwise show as code.
  const partialCloser = /^[ \t]*(`+|~+)$/.exec(lastLine)
  const body = partialCloser && partialCloser[1]![0] === fence.marker[0] ? text.slice(0, text.length - lastLine.length) : text
  return `${body}${body.endsWith('\n') ? '' : '\n'}${fence.indent}${fence.marker}`
}

const TABLE_LINE = /^[ \t]*\|/
const DELIMITER_ROW = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/

const cellCount = (line: string) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').length

/**
 * A table at the end loses its incomplete last line; a table whose header has no complete delimiter
 * row yet is held back whole (until then it would render as a paragraph of pipes).
 */
function holdBackTableLines(tail: string): string {
  const lines = tail.split('\n')
  const complete = tail.endsWith('\n')
  const end = complete ? lines.length - 1 : lines.length
  let first = end
  while (first > 0 && TABLE_LINE.test(lines[first - 1]!)) first--
  if (first === end) return tail
  let keep = complete ? end : end - 1
  const header = lines[first]!
  const delimiter = lines[first + 1] ?? ''
  const started = keep - first >= 2 && DELIMITER_ROW.test(delimiter) && cellCount(delimiter) === cellCount(header)
  if (!started) keep = first
  if (keep === end) return tail
  return lines.slice(0, keep).map((line) => `${line}\n`).join('')
}

/** A line that starts a new block: inline constructs never run across it. */
const BLOCK_START = /^[ \t]*([-+*][ \t]|\d{1,9}[.)][ \t]|#{1,6}[ \t]|>|\|)/

/** Where the last paragraph, list item, heading, quote line or table row of the tail starts. */
function inlineUnitStart(tail: string): number {
  let start = 0
  let offset = 0
  for (const line of tail.split('\n')) {
    if (BLOCK_START.test(line)) start = offset
    offset += line.length + 1
  }
  return start
}

/** A last line that is only a block marker so far (`-`, `1.`, `#`, `>`) would draw an empty block. */
function holdBackBareMarker(text: string): string {
  const lastLine = text.slice(text.lastIndexOf('\n') + 1)
  return /^[ \t]*([-+*=_]+|#{1,6}|>|\d{1,9}[.)])[ \t]*$/.test(lastLine) ? text.slice(0, text.length - lastLine.length) : text
}

/** Removes the given [start, end) ranges from a text. */
function without(text: string, ranges: [number, number][]): string {
  let result = ''
  let position = 0
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (start < position) continue
    result += text.slice(position, start)
    position = end
  }
  return result + text.slice(position)
}

/**
 * Closes an open inline code span, drops an unfinished link or image, then dangling emphasis markers.
 * Each step reads a masked copy of the same length in which code spans and escaped characters hold
 * no markers.
 */
function completeInline(unit: string): string {
  let { text, masked } = closeCodeSpan(unit)

  const link = /!?\[([^\][]*)(\]\([^)]*)?$/.exec(masked)
  if (link) {
    const ranges: [number, number][] = link[0].startsWith('!')
      ? [[link.index, masked.length]]
      : [[link.index, link.index + 1], ...(link[2] ? [[masked.length - link[2].length, masked.length] as [number, number]] : [])]
    text = without(text, ranges)
    masked = without(masked, ranges)
  }

  return without(text, danglingEmphasis(masked))
}

/** The text with an unclosed code span closed (or a lone backtick run at the end dropped), and its mask. */
function closeCodeSpan(text: string): { text: string; masked: string } {
  let masked = ''
  let i = 0
  while (i < text.length) {
    const char = text[i]!
    if (char === '\\' && i + 1 < text.length) {
      masked += '\\.'
      i += 2
      continue
    }
    if (char !== '`') {
      masked += char
      i++
      continue
    }
    const run = /^`+/.exec(text.slice(i))![0]
    const closer = new RegExp(`(?<!\`)${run}(?!\`)`, 'g')
    closer.lastIndex = i + run.length
    const close = closer.exec(text)
    if (close) {
      masked += `\`${'x'.repeat(close.index + run.length - i - 2)}\``
      i = close.index + run.length
      continue
    }
    const rest = text.slice(i + run.length)
    if (!rest.trim()) return { text: text.slice(0, i), masked }
    const ending = `${rest.endsWith('`') ? ' ' : ''}${run}`
    return { text: text + ending, masked: `${masked}\`${'x'.repeat(run.length + rest.length + ending.length - 2)}\`` }
  }
  return { text, masked }
}

interface Delimiter {
  char: string
  start: number
  remaining: number
}

const isSpace = (char: string) => /\s/u.test(char)
const isPunctuation = (char: string) => /[\p{P}\p{S}]/u.test(char)

/**
 * The [start, end) ranges of `*` and `_` markers that open emphasis nothing closes, after
 * CommonMark's flanking rules (without the rule of three). A run at the very end that does not fully
 * close its opener (`**Demo*`) may still grow, so it is dropped with its opener.
 */
function danglingEmphasis(masked: string): [number, number][] {
  const drop: [number, number][] = []
  const openers: Delimiter[] = []
  for (const match of masked.matchAll(/\*+|_+/g)) {
    const run = match[0]
    const start = match.index
    const end = start + run.length
    const before = masked[start - 1] ?? '\n'
    const after = masked[end] ?? '\n'
    const leftFlanking = !isSpace(after) && (!isPunctuation(after) || isSpace(before) || isPunctuation(before))
    const rightFlanking = !isSpace(before) && (!isPunctuation(before) || isSpace(after) || isPunctuation(after))
    const underscore = run[0] === '_'
    const canOpen = leftFlanking && (!underscore || !rightFlanking || isPunctuation(before))
    const canClose = rightFlanking && (!underscore || !leftFlanking || isPunctuation(after))

    if (end === masked.length) {
      const sameChar = openers.filter((opener) => opener.char === run[0])
      const nearest = sameChar.at(-1)
      const total = sameChar.reduce((sum, opener) => sum + opener.remaining, 0)
      if (!canClose || !nearest || run.length < nearest.remaining || run.length > total) {
        drop.push([start, end])
        continue
      }
    }

    let remaining = run.length
    while (canClose && remaining > 0) {
      const index = openers.findLastIndex((opener) => opener.char === run[0])
      if (index < 0) break
      const opener = openers[index]!
      const used = remaining >= 2 && opener.remaining >= 2 ? 2 : 1
      opener.remaining -= used
      remaining -= used
      // Openers inside the matched pair can no longer close: they stay literal text.
      openers.splice(opener.remaining === 0 ? index : index + 1)
    }
    if (canOpen && remaining > 0) openers.push({ char: run[0]!, start, remaining })
  }
  for (const opener of openers) drop.push([opener.start, opener.start + opener.remaining])
  return drop
}
