import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Log lines (the server logs JSON) are shown for failing tests only; a green run fits on a screen.
    silent: 'passed-only',
    reporters: process.env.CI ? [['default', { summary: false }]] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          environment: 'node',
          include: ['shared/**/*.test.ts', 'server/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'web',
          environment: 'jsdom',
          include: ['web/**/*.test.{ts,tsx}'],
          exclude: ['web/e2e/**'],
          // The page tests clean up after themselves; one jsdom for all of them saves most of the time.
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'cli', environment: 'node', include: ['cli/**/*.test.{js,ts}'] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['web/e2e/**/*.test.ts'],
          // Each file runs its own `npm start`; one at a time keeps the emulator responsive.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
