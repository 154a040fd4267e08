/**
 * Which modules each function's bundle would carry: every import a function entry reaches, followed
 * through our own files (type-only imports are erased, so they do not count; a dynamic import of a
 * literal does, as Netlify's bundler traces it). The API functions must reach no provider SDK: a
 * fresh instance (and every call on the local emulator) would load megabytes for nothing.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')
const FUNCTIONS = join(ROOT, 'netlify/functions')
const SDKS = ['openai', '@anthropic-ai/sdk', '@google/genai']
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** The packages (bare specifiers) a file reaches through our own modules. */
function packagesReached(entry: string): Set<string> {
  const packages = new Set<string>()
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const source = readFileSync(file, 'utf8')
    for (const match of [...source.matchAll(IMPORT), ...source.matchAll(DYNAMIC)]) {
      const specifier = match[1]!
      if (specifier.startsWith('.')) {
        if (!/\.(m?ts|tsx|json)$/.test(specifier)) throw new Error(`${file} imports ${specifier} without its extension`)
        if (!specifier.endsWith('.json')) visit(resolve(dirname(file), specifier))
      } else {
        packages.add(specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'))
      }
    }
  }
  visit(entry)
  return packages
}

const functions = readdirSync(FUNCTIONS).filter((name) => name.endsWith('.mts'))
const API = functions.filter((name) => !/^ai-chat-run-(background|sync)\.mts$/.test(name))

describe('function bundles', () => {
  it.each(API)('%s reaches no provider SDK', (name) => {
    const reached = packagesReached(join(FUNCTIONS, name))
    expect(SDKS.filter((sdk) => reached.has(sdk))).toEqual([])
  })

  it('the real runs reach every SDK (loaded only when a provider streams), the demo runs none', () => {
    for (const name of ['ai-chat-run-background.mts', 'ai-chat-run-sync.mts']) {
      const real = packagesReached(join(FUNCTIONS, name))
      for (const sdk of SDKS) expect(real.has(sdk), `${name} ${sdk}`).toBe(true)
    }
    for (const name of ['ai-chat-run-demo-background.mts', 'ai-chat-run-demo-sync.mts']) {
      expect(SDKS.filter((sdk) => packagesReached(join(FUNCTIONS, name)).has(sdk)), name).toEqual([])
    }
  })

  it.each(functions)('%s loads no schema library: requests are checked by code generated ahead of time', (name) => {
    expect(packagesReached(join(FUNCTIONS, name)).has('zod')).toBe(false)
  })
})
