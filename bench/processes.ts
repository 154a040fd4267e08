/**
 * Child processes of the benchmark. Each runs in its own process group, so stopping it also stops
 * whatever it started (npm → vite → workers); every group still alive is stopped when the
 * benchmark exits, also after an error or Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))

export interface Child {
  process: ChildProcess
  /** The last lines it printed (stdout and stderr), for error messages. */
  tail(): string
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of running) killGroup(child, 'SIGKILL')
    process.exit(130)
  })
}

export interface SpawnOptions {
  command: string
  args: string[]
  env?: Record<string, string | undefined>
  /** Resolves once a line matches; its first group is the result. */
  ready: RegExp
  timeoutMs?: number
  /** Called for every line (progress, debugging). */
  onLine?: (line: string) => void
}

/** Starts a command in its own process group and waits until it prints its ready line. */
export async function spawnChild(options: SpawnOptions): Promise<{ child: Child; match: RegExpExecArray }> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries({ ...process.env, ...options.env })) if (value !== undefined) env[name] = value
  const proc = spawn(options.command, options.args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(proc)
  const lines: string[] = []
  let readyResolve!: (match: RegExpExecArray) => void
  let readyReject!: (error: Error) => void
  const ready = new Promise<RegExpExecArray>((resolve, reject) => ((readyResolve = resolve), (readyReject = reject)))
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line) continue
      lines.push(line)
      if (lines.length > 60) lines.shift()
      options.onLine?.(line)
      const match = options.ready.exec(line.replace(/\x1b\[[0-9;]*m/g, ''))
      if (match) readyResolve(match)
    }
  }
  proc.stdout!.on('data', onData)
  proc.stderr!.on('data', onData)
  const exited = new Promise<void>((resolve) => proc.once('exit', () => (running.delete(proc), resolve())))
  proc.once('exit', (code, signal) => readyReject(new Error(`${options.command} ${options.args.join(' ')} exited (${code ?? signal}) before it was ready:\n${lines.join('\n')}`)))
  const timer = setTimeout(() => readyReject(new Error(`${options.command} ${options.args.join(' ')} not ready after ${options.timeoutMs ?? 30_000} ms:\n${lines.join('\n')}`)), options.timeoutMs ?? 30_000)
  const child: Child = {
    process: proc,
    tail: () => lines.join('\n'),
    async stop() {
      killGroup(proc, 'SIGTERM')
      const killer = setTimeout(() => killGroup(proc, 'SIGKILL'), 3000)
      await exited
      clearTimeout(killer)
      // Whatever the leader left behind in its group.
      killGroup(proc, 'SIGKILL')
    },
  }
  try {
    const match = await ready
    return { child, match }
  } catch (error) {
    await child.stop()
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/** Runs `node <script>` (this Node, so Node 24 from node_modules) as a child. */
export function spawnNode(script: string, options: Omit<SpawnOptions, 'command' | 'args'> & { args?: string[] }) {
  return spawnChild({ ...options, command: process.execPath, args: [fileURLToPath(new URL(script, import.meta.url)), ...(options.args ?? [])] })
}

/** A TCP port nobody listens on right now (never 8888). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    })
    if (port !== 8888) return port
  }
}
