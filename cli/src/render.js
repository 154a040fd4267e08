// @ts-check
/**
 * What the CLI prints, from status documents to a writable stream:
 * - the live view, for a terminal: one line per participant, redrawn in place;
 * - the event view, for a pipe or a CI log: one stable line per state change;
 * - the answers, each under a header, once the chat is final.
 */

/** @import { ProviderResult, StatusDocument } from '../../shared/types.ts' */

/** @typedef {{ write(chunk: string): unknown, isTTY?: boolean, columns?: number }} Output */
/** @typedef {{ id: string, model: string, result: ProviderResult }} Row */

const CLEAR_LINE = '\x1b[2K'
const HIDE_CURSOR = '\x1b[?25l'
const SHOW_CURSOR = '\x1b[?25h'
/** @param {number} lines */
const cursorUp = (lines) => `\x1b[${lines}A`

/** "850 ms", "2.4 s", "1 min", "3 min 5 s". @param {number} milliseconds */
export function duration(milliseconds) {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(1)} s`
  const seconds = Math.round(milliseconds / 1000)
  return `${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`
}

/** "$0.0003"; "<$0.0001" for less. @param {number} usd */
export function money(usd) {
  return usd > 0 && usd < 0.0001 ? '<$0.0001' : `$${usd.toFixed(4)}`
}

/** @param {string | undefined} from @param {string | undefined} to */
const between = (from, to) => (from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : undefined)

/**
 * Time to first token and total time, from the provider call's start; output tokens per second
 * while the answer streamed. `now` stands in for the end of an answer still running.
 * @param {ProviderResult} result
 * @param {number} [now]
 */
export function metrics(result, now) {
  const { queuedAt, startedAt = queuedAt, firstTokenAt, finishedAt } = result.timings
  const end = finishedAt ?? (now === undefined || result.status === 'queued' ? undefined : new Date(now).toISOString())
  const output = result.usage?.outputTokens
  const streamed = between(firstTokenAt ?? startedAt, finishedAt)
  return {
    firstToken: between(startedAt, firstTokenAt),
    elapsed: between(startedAt, end),
    tokensPerSecond: output && streamed ? (output * 1000) / streamed : undefined,
  }
}

/**
 * The latest turn's participants in display order, each with the model asked for.
 * @param {StatusDocument} doc
 * @returns {Row[]}
 */
export function rows(doc) {
  return Object.entries(doc.results).map(([id, result]) => ({
    id,
    model: doc.participants?.find((participant) => participant.id === id)?.model ?? result.model,
    result,
  }))
}

/**
 * The live view's lines: a header, then one line per participant, columns aligned. `ttft` is the
 * time to the first token; `tokens` shows the characters so far until the usage is known.
 * @param {StatusDocument} doc
 * @param {number} now
 */
export function liveLines(doc, now) {
  const header = ['id', 'model', 'status', 'ttft', 'elapsed', 'tokens', 'tok/s', 'cost', '']
  // Room for the widest value each column takes while it runs, so that the table does not jump.
  const minimum = [0, 0, 9, 6, 6, 6, 0, 7, 0]
  const table = [header]
  for (const { id, model, result } of rows(doc)) {
    const { firstToken, elapsed, tokensPerSecond } = metrics(result, now)
    table.push([
      id,
      model,
      result.status,
      firstToken === undefined ? '' : duration(firstToken),
      elapsed === undefined ? '' : duration(elapsed),
      result.usage ? String(result.usage.outputTokens) : result.text ? `${result.text.length} chars` : '',
      tokensPerSecond === undefined ? '' : tokensPerSecond.toFixed(0),
      result.cost ? money(result.cost.totalUsd) : '',
      result.error?.code ?? (result.truncated ? 'truncated' : ''),
    ])
  }
  const widths = header.map((_, column) => Math.max(minimum[column] ?? 0, ...table.map((cells) => cells[column]?.length ?? 0)))
  return table.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd())
}

/**
 * One event line: `openai gpt-5-mini streaming`, `openai gpt-5-mini done 812 ms 154 tokens $0.0003`,
 * `anthropic claude-haiku-4-5 error auth: <the server's message>`.
 * @param {Row} row
 */
export function eventLine({ id, model, result }) {
  const words = [id, model, result.status]
  if (result.status === 'done') {
    const { elapsed } = metrics(result)
    if (elapsed !== undefined) words.push(duration(elapsed))
    if (result.usage) words.push(`${result.usage.outputTokens} tokens`)
    if (result.cost) words.push(money(result.cost.totalUsd))
  }
  if (result.error) words.push(`${result.error.code}: ${result.error.message}`)
  return words.join(' ')
}

/**
 * The event view: prints a participant's line each time its status (or attempt) changes, never for
 * text that merely grew.
 * @param {Output} stream
 */
export function createEventRenderer(stream) {
  /** @type {Map<string, string>} */
  const shown = new Map()
  return {
    /** @param {StatusDocument} doc */
    update(doc) {
      const turn = doc.turns?.at(-1)?.turn ?? 1
      for (const row of rows(doc)) {
        const key = `${turn}/${row.id}`
        const state = `${row.result.attempt}/${row.result.status}`
        if (shown.get(key) === state) continue
        shown.set(key, state)
        stream.write(eventLine(row) + '\n')
      }
    },
    /** Nothing runs on a clock here. */
    tick() {},
    end() {},
  }
}

/**
 * The live view: the lines of `liveLines`, redrawn in place. Each frame moves the cursor up over
 * the previous one and rewrites every line after clearing it, in a single write; lines are cut to
 * the terminal's width, since a wrapped line would break the count. The cursor is hidden while the
 * view is live; `end()` shows it again.
 * @param {Output} stream
 * @param {{ now?: () => number }} [options]
 */
export function createLiveRenderer(stream, { now = Date.now } = {}) {
  /** @type {StatusDocument | null} */
  let doc = null
  let note = ''
  let drawn = 0
  let previous = ''
  let hidden = false

  function draw() {
    if (!doc) return
    const width = Math.max(20, (stream.columns || 80) - 1)
    const lines = [...liveLines(doc, now()), ...(note ? [note] : [])].map((line) => line.slice(0, width))
    while (lines.length < drawn) lines.push('')
    const frame = lines.map((line) => `${CLEAR_LINE}${line}\n`).join('')
    if (frame === previous) return
    // `\r`: a key the user typed (^C) may have moved the cursor off the first column.
    stream.write(`${drawn ? cursorUp(drawn) : ''}\r${hidden ? '' : HIDE_CURSOR}${frame}`)
    previous = frame
    drawn = lines.length
    hidden = true
  }

  return {
    /** @param {StatusDocument} next */
    update(next) {
      doc = next
      draw()
    },
    /** Shows a failing connection under the lines until requests succeed again. @param {{ message: string } | null} problem */
    problem(problem) {
      note = problem ? `reconnecting: ${problem.message}` : ''
      draw()
    },
    /** Redraws for the running clocks. */
    tick: draw,
    /** The last frame stays (the line under it is cleared of an echoed ^C); the cursor comes back. Safe to call more than once. */
    end() {
      draw()
      if (hidden) stream.write(`\r${CLEAR_LINE}${SHOW_CURSOR}`)
      hidden = false
    },
  }
}

/** @typedef {ReturnType<typeof createLiveRenderer> | ReturnType<typeof createEventRenderer>} Renderer */

/**
 * Every answer of the latest turn under a header; an error's message instead of a missing answer.
 * @param {StatusDocument} doc
 * @param {Output} stream
 */
export function writeAnswers(doc, stream) {
  for (const { id, result } of rows(doc)) {
    const state = result.status === 'done' ? '' : ` ${result.status}`
    let body = result.text
    if (result.error) body += `${body ? '\n\n' : ''}${result.error.code}: ${result.error.message}`
    if (result.truncated) body += "\n\n[cut at the server's answer limit]"
    else if (result.finishReason === 'length') body += '\n\n[stopped at the token limit]'
    if (!body) body = '(no answer)'
    stream.write(`\n=== ${id} (${result.model})${state} ===\n${body.replace(/\n*$/, '\n')}`)
  }
}
