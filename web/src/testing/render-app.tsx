/** Renders the whole page against msw with fake timers, the way the page runs in a browser. */
import { cleanup, render } from '@testing-library/preact'
import { afterEach, beforeAll, beforeEach, vi, type FakeTimersConfig } from 'vitest'
import { createAppState, sessions } from '../app-state.ts'
import { App, chatViews, panels } from '../components/app.tsx'
import { markdown } from '../markdown.ts'

/** The timers the page uses; fetch, microtasks and rendering stay real. */
export const FAKE_TIMERS: FakeTimersConfig = { toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }

/**
 * Loads the lazy chunks of the first screen once, with real timers, so tests see the columns and
 * rendered Markdown at once. (The diff view stays lazy: its test checks that it loads on demand.)
 */
export async function loadLazyParts() {
  await Promise.all([chatViews.load(), sessions.load(), panels.load(), markdown.load()])
}

/**
 * The setup every page test file shares: the lazy parts loaded, an empty localStorage, fake timers
 * at a fixed time, and everything undone after each test.
 */
export function usePageTests() {
  beforeAll(loadLazyParts)
  beforeEach(() => {
    localStorage.clear()
    vi.useFakeTimers(FAKE_TIMERS)
    vi.setSystemTime(new Date('2026-11-29T12:00:01.000Z'))
  })
  afterEach(() => {
    cleanup()
    vi.useRealTimers()
    vi.restoreAllMocks()
  })
}

export function renderApp(path = '/') {
  window.history.replaceState(null, '', path)
  const state = createAppState({ storage: window.localStorage, location: window.location, history: window.history })
  const view = render(<App state={state} />)
  return { state, ...view }
}

/** A few turns of the real event loop: msw answers a fetch through real I/O, not through timers. */
async function settleIo() {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * Lets fake time pass in steps of at most 50 ms, letting each step's fetches finish before the clock
 * moves on (one big jump would pass by requests that are still on their way).
 */
export async function wait(milliseconds: number) {
  await settleIo()
  for (let left = milliseconds; left > 0; left -= 50) {
    await vi.advanceTimersByTimeAsync(Math.min(50, left))
    await settleIo()
  }
}
