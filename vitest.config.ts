import { defineConfig } from 'vitest/config'

/** Every project but e2e yields the CPUs to the emulator and the browser (see the file). */
const YIELD_CPU = 'server/testing/yield-cpu.ts'

export default defineConfig({
  test: {
    // Log lines (the server logs JSON) are shown for failing tests only; a green run fits on a screen.
    silent: 'passed-only',
    // Most tests wait on I/O (a blob server, simulated providers, the emulator): more files at a time
    // than CPUs. The e2e files start first (the longest), the others share the remaining workers.
    maxWorkers: 5,
    // Failure bounds, not speed checks: on a busy 2-CPU machine a test can take several times as long.
    testTimeout: 30_000,
    reporters: process.env.CI ? [['default', { summary: false }]] : ['default'],
    // In CI, one line per file: slow tests are listed only in a run on your machine.
    slowTestThreshold: process.env.CI ? 600_000 : 300,
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          environment: 'node',
          include: ['shared/**/*.test.ts', 'server/**/*.test.ts'],
          setupFiles: [YIELD_CPU],
          // The files share their workers' module cache (each builds its own store, providers and
          // platform in a harness): about a third less CPU than a fresh import of the SDKs per file.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'web',
          environment: 'jsdom',
          include: ['web/**/*.test.{ts,tsx}'],
          exclude: ['web/e2e/**'],
          setupFiles: [YIELD_CPU],
          // The page tests clean up after themselves; one jsdom for all of them saves most of the time.
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'cli', environment: 'node', include: ['cli/**/*.test.{js,ts}'], setupFiles: [YIELD_CPU] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['web/e2e/**/*.test.ts'],
          // One `npm start` (demo mode) for every e2e file; its origin reaches them through inject().
          globalSetup: ['web/e2e/global-setup.ts'],
          // The API, CLI and browser files share that server and run at the same time, and so do a
          // few of the API file's tests: most of their time is spent waiting for simulated answers.
          maxConcurrency: 4,
          // The emulator adds an `x-nf-fetch-timing` header entry per blob call a function makes: the
          // cleanup's grows past the 16 KiB Node's fetch accepts by default (curl takes 100 KiB).
          execArgv: ['--max-http-header-size=1048576'],
          // Failure bounds, not speed checks: on a busy 2-core machine a chat can take a minute.
          testTimeout: 240_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
