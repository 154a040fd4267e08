/**
 * `npm start` for the end-to-end tests: in demo mode (no provider keys), on a free port, in its own
 * process group so stopping it stops Vite and every function worker too.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

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
function demoEnv(port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (/API_KEY$|_BASE_URL$|^VITEST|^NODE_ENV$|^TEST$/.test(name)) continue
    env[name] = value
  }
  return { ...env, AI_CHAT_DEMO: '1', PORT: String(port), HOST: '127.0.0.1', ...extra }
}

/** `npm start` in its own process group, so stopping it stops Vite and every function worker too. */
export async function startDevServer(port: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; origin: string; output: () => string }> {
  const child = spawn('npm', ['start'], { cwd: ROOT, env: demoEnv(port, extraEnv), detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const origin = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`)
    try {
      const response = await fetch(`${origin}/api/ai/models`)
      if (response.ok && (await response.json()).demo === true) return { child, origin, output: () => output }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  stopDevServer(child)
  throw new Error(`npm start did not answer /api/ai/models within 2 minutes:\n${output}`)
}

export function stopDevServer(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const group = -child.pid
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL')
      } catch {
        // Already gone.
      }
      resolve()
    }, 5000)
    child.once('exit', () => {
      clearTimeout(force)
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
