/**
 * The real bin as a child process: its output, stderr and exit code. Its waits are shortened
 * through its AI_CHAT_CLI_* variables (a test's own `env` may lengthen them again).
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../bin/ai-gateway-chat.js', import.meta.url))
/** CLI_TEST_NODE=/usr/bin/node runs the bin on another Node, e.g. a system Node 20. */
const NODE = process.env.CLI_TEST_NODE || process.execPath

interface RunOptions {
  /** Piped to stdin; without it stdin is /dev/null. */
  input?: string
  env?: Record<string, string>
  /** Called with each chunk of stdout, e.g. to interrupt the child at a moment. */
  onStdout?: (stdout: string, child: ReturnType<typeof spawn>) => void
}

export function run(server: { url: string }, args: string[], { input, env = {}, onStdout }: RunOptions = {}) {
  const child = spawn(NODE, [BIN, ...args], {
    env: {
      PATH: process.env.PATH,
      AI_CHAT_URL: server.url,
      AI_CHAT_CLI_POLL_WAIT_MS: '50',
      AI_CHAT_CLI_BACKOFF_MS: '5',
      AI_CHAT_CLI_GIVE_UP_MS: '300',
      ...env,
    },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => {
    stdout += chunk
    onStdout?.(stdout, child)
  })
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  if (input !== undefined) child.stdin!.end(input)
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
