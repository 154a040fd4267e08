/**
 * `npm start` for the end-to-end tests: in demo mode (no provider keys), on a free port, in its own
 * process group so stopping it stops Vite and every function worker too. Its output goes to a file
 * that the tests read (the server logs one JSON line per event, e.g. `trigger_refused`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/** The environment of a fresh demo: no provider keys, no test-runner variables. */
function demoEnv(port: number, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (/API_KEY$|_BASE_URL$|^VITEST|^NODE_ENV$|^TEST$|^AI_CHAT_/.test(name)) continue
    env[name] = value
  }
  return { ...env, AI_CHAT_DEMO: '1', PORT: String(port), HOST: '127.0.0.1', ...extra }
}

export interface DevServer {
  child: ChildProcess
  origin: string
  /** The file that receives the server's stdout and stderr. */
  logFile: string
}

/**
 * Starts `npm start` and resolves once it answers `/api/ai/models` in demo mode. The readiness probe
 * retries until the server listens; what it waits for is the server, not the clock (the deadline
 * only turns a server that never comes up into an error with its output).
 */
export async function startDevServer(options: { port: number; logFile: string; env?: NodeJS.ProcessEnv }): Promise<DevServer> {
  const { port, logFile } = options
  const out = openSync(logFile, 'w')
  const child = spawn('npm', ['start'], { cwd: ROOT, env: demoEnv(port, options.env ?? {}), detached: true, stdio: ['ignore', out, out] })
  // The child holds its own copy of the descriptor.
  closeSync(out)
  const output = () => readFileSync(logFile, 'utf8')
  const origin = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output()}`)
    try {
      const response = await fetch(`${origin}/api/ai/models`)
      if (response.ok && (await response.json()).demo === true) return { child, origin, logFile }
    } catch {
      // Not listening yet.
    }
    await sleep(200)
  }
  await stopDevServer(child)
  throw new Error(`npm start did not answer /api/ai/models within 2 minutes:\n${output()}`)
}

/** SIGKILL to the whole group at once, e.g. from an `exit` handler where nothing can be awaited. */
export function killDevServer(child: ChildProcess | undefined): void {
  if (!child?.pid) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the whole process group, SIGKILL after 5 s if it is still there. */
export function stopDevServer(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const group = -child.pid
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      killDevServer(child)
      resolve()
    }, 5000)
    child.once('exit', () => {
      clearTimeout(force)
      // npm is gone; make sure no worker of the group outlives it.
      killDevServer(child)
      resolve()
    })
    try {
      process.kill(group, 'SIGTERM')
    } catch {
      clearTimeout(force)
      resolve()
    }
  })
}
