/**
 * The page-render figure: bench/page-render.bench-test.tsx under vitest with jsdom (the component
 * tree needs a DOM and compiled JSX), in its own process; the test writes its samples to a file.
 */
import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, spawnChild } from './processes.ts'
import { summarize, type Summary } from './stats.ts'

export interface RenderResults {
  turns: number
  columns: number
  /** One streamed update (the latest answer grown), ms: 60 samples after 3 warm-up updates. */
  update: Summary
  /** web/src/testing/render-bench.tsx `timeStreamedUpdate` (median and slowest of 20). */
  timeStreamedUpdate: { medianMs: number; maxMs: number }
  /** Rendering the whole conversation once (Markdown renderer loaded first). */
  setupMs: number
}

export async function renderMode(progress: (line: string) => void): Promise<RenderResults> {
  progress('render: a streamed update in a 20-turn × 4-column conversation (vitest, jsdom)')
  const out = join(tmpdir(), `ai-chat-bench-render-${process.pid}.json`)
  try {
    const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs')
    const { child } = await spawnChild({
      command: process.execPath,
      args: [vitest, 'run', '--config', 'bench/vitest.page-render.config.ts'],
      env: { BENCH_RENDER_OUT: out, CI: undefined },
      // vitest's summary line; the process exits right after.
      ready: /Test Files\s+.*\b(passed|failed)\b/,
      timeoutMs: 180_000,
    })
    await new Promise<void>((resolve) => (child.process.exitCode !== null ? resolve() : child.process.once('exit', () => resolve())))
    if (child.process.exitCode !== 0) throw new Error(`the render benchmark failed:\n${child.tail()}`)
    const raw = JSON.parse(await readFile(out, 'utf8')) as { turns: number; columns: number; setupMs: number; samples: number[]; timeStreamedUpdate: RenderResults['timeStreamedUpdate'] }
    return { turns: raw.turns, columns: raw.columns, update: summarize(raw.samples), timeStreamedUpdate: raw.timeStreamedUpdate, setupMs: raw.setupMs }
  } finally {
    await rm(out, { force: true })
  }
}
