/**
 * Prints, after `vite build`, the gzipped size of the JS the first screen loads (the entry chunk and
 * its static imports) and of all JS, so the first-screen budget stays visible on every build.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'

/** The first screen's JS budget, gzipped (Preact + signals alone are about 8.6 kB). */
export const FIRST_SCREEN_BUDGET = 15_000

/** kB of 1,000 bytes, as Vite prints them. */
const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`

export function buildSizeReport(): Plugin {
  return {
    name: 'build-size-report',
    apply: 'build',
    // After writing, so the sizes are those of the files a browser downloads.
    writeBundle(options, bundle) {
      const chunks = new Map<string, { imports: string[]; isEntry: boolean }>()
      for (const output of Object.values(bundle)) {
        if (output.type === 'chunk') chunks.set(output.fileName, output)
      }
      const gzipped = (file: string) => gzipSync(readFileSync(join(options.dir!, file))).length

      const firstScreen = new Set<string>()
      const visit = (file: string) => {
        if (firstScreen.has(file) || !chunks.has(file)) return
        firstScreen.add(file)
        for (const imported of chunks.get(file)!.imports) visit(imported)
      }
      for (const [file, chunk] of chunks) if (chunk.isEntry) visit(file)

      const sum = (files: Iterable<string>) => [...files].reduce((total, file) => total + gzipped(file), 0)
      const first = sum(firstScreen)
      const lines = [
        `JS for the first screen: ${kB(first)} gzipped (${[...firstScreen].join(', ')}; budget ${kB(FIRST_SCREEN_BUDGET)})`,
        `All JS: ${kB(sum(chunks.keys()))} gzipped in ${chunks.size} files`,
        ...[...chunks.keys()].map((file) => `  ${file}: ${kB(gzipped(file))}${firstScreen.has(file) ? ' (first screen)' : ' (lazy)'}`),
      ]
      console.log(`\n${lines.join('\n')}`)
      if (first > FIRST_SCREEN_BUDGET) this.warn(`The first screen's JS is over its ${kB(FIRST_SCREEN_BUDGET)} budget.`)
    },
  }
}
