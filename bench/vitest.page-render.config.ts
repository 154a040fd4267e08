/**
 * Vitest for the benchmark's page-render figure only (bench/page-render.bench-test.tsx): jsdom, one
 * file, nothing else of the suite. Run by bench/run.ts; the test writes its figures to
 * `BENCH_RENDER_OUT`.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    environment: 'jsdom',
    include: ['bench/page-render.bench-test.tsx'],
    testTimeout: 120_000,
    reporters: ['dot'],
  },
})
