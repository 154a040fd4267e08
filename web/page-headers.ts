/**
 * The page's headers as netlify.toml's `[[headers]]` rules declare them, for the places Netlify does
 * not apply them: the dev server (a plugin in vite.config.ts) and the tests.
 */
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** One `[[headers]]` block: a path pattern (`/*`, `/assets/*` or an exact path) and its headers. */
export interface HeaderRule {
  for: string
  values: Record<string, string>
}

/** Function responses set their own headers: on Netlify, `[[headers]]` never reach them. */
const FUNCTION_PATHS = ['/api/', '/.netlify/']

const NETLIFY_TOML = new URL('../netlify.toml', import.meta.url)

/** A TOML string on one line: "basic" (with JSON-compatible escapes) or 'literal'. */
function tomlString(value: string, where: string): string {
  if (/^"(?:[^"\\]|\\.)*"$/.test(value)) return JSON.parse(value) as string
  if (/^'[^']*'$/.test(value)) return value.slice(1, -1)
  throw new Error(`${where}: expected a string on one line, got ${value}.`)
}

/**
 * The `[[headers]]` rules of a netlify.toml, in order. Reads only what those blocks use: `for`, the
 * `[headers.values]` table, one-line string values, `#` comments. Other tables are skipped.
 */
export function parseHeaderRules(toml: string): HeaderRule[] {
  const rules: HeaderRule[] = []
  let rule: HeaderRule | undefined
  let inValues = false
  for (const [index, raw] of toml.split(/\r?\n/).entries()) {
    const line = raw.replace(/^((?:[^#"']|"(?:[^"\\]|\\.)*"|'[^']*')*)#.*$/, '$1').trim()
    if (!line) continue
    if (line.startsWith('[')) {
      const table = line.replace(/\s+/g, '')
      if (table === '[[headers]]') rules.push((rule = { for: '', values: {} }))
      else if (table !== '[headers.values]') rule = undefined
      inValues = table === '[headers.values]'
      continue
    }
    if (!rule) continue
    const where = `netlify.toml line ${index + 1}`
    const assignment = /^("(?:[^"\\]|\\.)*"|'[^']*'|[\w-]+)\s*=\s*(.*)$/.exec(line)
    if (!assignment) throw new Error(`${where}: expected key = "value" in [[headers]], got ${line}.`)
    const key = /^["']/.test(assignment[1]!) ? tomlString(assignment[1]!, where) : assignment[1]!
    const value = tomlString(assignment[2]!, where)
    if (inValues) rule.values[key] = value
    else if (key === 'for') rule.for = value
  }
  return rules
}

/** The project's netlify.toml rules, read now. */
export function readHeaderRules(file: URL | string = NETLIFY_TOML): HeaderRule[] {
  return parseHeaderRules(readFileSync(file, 'utf8'))
}

/** Whether a rule's `for` covers a path: a trailing `*` matches any rest, anything else the exact path. */
function covers(pattern: string, pathname: string): boolean {
  return pattern.endsWith('*') ? pathname.startsWith(pattern.slice(0, -1)) : pathname === pattern
}

/** The headers Netlify sends with a page path: every matching rule's values, later rules winning. */
export function headersFor(rules: HeaderRule[], pathname: string): Record<string, string> {
  return Object.assign({}, ...rules.filter((rule) => covers(rule.for, pathname)).map((rule) => rule.values))
}

/** Connect middleware: sets the rules' headers on every response except a function's. */
export function pageHeadersMiddleware(rules: HeaderRule[]) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    if (!FUNCTION_PATHS.some((prefix) => pathname.startsWith(prefix))) {
      for (const [name, value] of Object.entries(headersFor(rules, pathname))) res.setHeader(name, value)
    }
    next()
  }
}

