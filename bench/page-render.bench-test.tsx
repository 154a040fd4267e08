/**
 * The page's render time for one streamed update in a 20-turn × 4-column conversation (target ≤ 16 ms,
 * a frame), in jsdom: web/src/testing/render-bench.tsx renders the real ChatView and feeds it the next
 * status document (the streaming answer grown by a few words, Markdown included). 3 updates warm up,
 * then 60 are timed one by one; `timeStreamedUpdate` (the module's own figure, median and slowest of 20)
 * is run as well. Writes `{ samples, timeStreamedUpdate }` as JSON to `BENCH_RENDER_OUT`.
 *
 * Run by bench/run.ts through bench/vitest.page-render.config.ts; `npm test` does not pick it up.
 */
import { writeFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { setupBench, timeStreamedUpdate } from '../web/src/testing/render-bench.tsx'

const TURNS = 20
const COLUMNS = 4

it(`times a streamed update in a ${TURNS}-turn × ${COLUMNS}-column conversation`, async () => {
  const setupStartedAt = performance.now()
  const bench = await setupBench(TURNS, COLUMNS)
  const setupMs = performance.now() - setupStartedAt
  let samples: number[]
  try {
    for (let i = 0; i < 3; i++) bench.update()
    samples = Array.from({ length: 60 }, () => bench.update())
    expect(bench.container.querySelectorAll('.card').length).toBe(TURNS * COLUMNS)
  } finally {
    bench.dispose()
  }
  const own = await timeStreamedUpdate({ turns: TURNS, columns: COLUMNS })
  const out = process.env.BENCH_RENDER_OUT
  if (out) writeFileSync(out, JSON.stringify({ turns: TURNS, columns: COLUMNS, setupMs, samples, timeStreamedUpdate: own }))
})
