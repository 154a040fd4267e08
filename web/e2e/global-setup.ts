/**
 * One `npm start` for the whole e2e project (Netlify's local emulation, demo mode): started before
 * the first test file, stopped with its whole process group after the last. The test files get its
 * origin and the file holding its output through `inject('e2eOrigin')` / `inject('e2eServerLog')`.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { freePort, killDevServer, startDevServer, stopDevServer } from './dev-server.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the shared `npm start`. */
    e2eOrigin: string
    /** The file receiving the server's stdout and stderr (its JSON log lines). */
    e2eServerLog: string
  }
}

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url))
/** Where the local emulator keeps Netlify Blobs. */
const LOCAL_BLOBS = fileURLToPath(new URL('../../.netlify/blobs-serve/', import.meta.url))

/** The settings of the shared server. */
const E2E_SERVER_ENV = {
  // Slower than life leaves time to see partial text, cancel mid-answer and reload mid-turn: a demo
  // answer takes about 5-13 s (server/providers/demo.ts; at 0.5 the page once saw no answer
  // mid-stream). On a busy machine those moments can still be missed, so the two tests that need
  // one ask again (up to three times) instead of failing.
  AI_CHAT_DEMO_SPEED: '0.3',
  // Every test file calls from 127.0.0.1, so they share one client's cap on running chats (3 by
  // default); the cap itself is tested in the server project.
  AI_CHAT_MAX_ACTIVE_PER_IP: '50',
}

export default async function setup(project: TestProject) {
  mkdirSync(RESULTS, { recursive: true })
  // An empty store, as on a fresh clone: chats kept by earlier local runs (each run leaves dozens)
  // made the local blob server, and with it every e2e test, slower run after run.
  rmSync(LOCAL_BLOBS, { recursive: true, force: true })
  const logFile = `${RESULTS}e2e-server.log`
  const server = await startDevServer({ port: await freePort(), logFile, env: E2E_SERVER_ENV })
  // Should vitest be stopped abruptly (Ctrl-C), the server still goes with it.
  const onExit = () => killDevServer(server.child)
  process.once('exit', onExit)
  project.provide('e2eOrigin', server.origin)
  project.provide('e2eServerLog', logFile)
  return async () => {
    await stopDevServer(server.child)
    process.off('exit', onExit)
  }
}
