/**
 * What-if runs: the benchmark against a temporary copy of the repository with some server
 * constants changed (`--set server/status-reader.ts:WAIT_POLL_MS=300`) or a patch applied
 * (`--patch bench/experiments/<name>.patch`), so a proposed change can be measured before anyone
 * edits the real files. The copy has node_modules hard-linked (same files, no extra space) and its own .netlify/.
 */
import { spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ROOT } from './processes.ts'

const SKIP = new Set(['node_modules', '.git', 'dist', '.netlify', 'test-results', 'bench/results'])

export interface VariantArgs {
  sets: string[]
  patches: string[]
  /** Every other argument, for the copy's own run. */
  rest: string[]
}

export function parseVariantArgs(args: readonly string[]): VariantArgs {
  const out: VariantArgs = { sets: [], patches: [], rest: [] }
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--set') out.sets.push(args[++i]!)
    else if (args[i] === '--patch') out.patches.push(args[++i]!)
    else out.rest.push(args[i]!)
  }
  return out
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' })
    child.once('error', fail)
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)))
  })
}

/** Copies the repository, applies the changes, runs the benchmark there, and returns its exit code. */
export async function runVariant(variant: VariantArgs): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'ai-chat-bench-variant-'))
  try {
    await cp(ROOT, root, { recursive: true, filter: (source) => !SKIP.has(source.slice(ROOT.length).replace(/^\/+|\/+$/g, '')) })
    // A hard-linked copy, not a symlink: the emulator's function builds trace node_modules and
    // behave differently when it lies outside the project. Vite's cache is left out (it is rewritten in place).
    if ((await run('cp', ['-al', join(ROOT, 'node_modules'), join(root, 'node_modules')], ROOT)) !== 0) throw new Error('cp -al node_modules failed')
    await rm(join(root, 'node_modules/.vite'), { recursive: true, force: true })
    for (const set of variant.sets) {
      const match = /^([^:]+):([A-Z_][A-Z0-9_]*)=(.+)$/.exec(set)
      if (!match) throw new Error(`--set wants <file>:<CONSTANT>=<value>, got "${set}"`)
      const [, file, name, value] = match
      const path = join(root, file!)
      const source = await readFile(path, 'utf8')
      const pattern = new RegExp(`(export const ${name}\\s*(?::[^=]+)?=\\s*)[^\\n]+`)
      if (!pattern.test(source)) throw new Error(`no "export const ${name} = …" in ${file}`)
      await writeFile(path, source.replace(pattern, `$1${value}`))
    }
    for (const patch of variant.patches) {
      const code = await run('git', ['apply', '--whitespace=nowarn', resolve(ROOT, patch)], root)
      if (code !== 0) throw new Error(`git apply ${patch} failed in the copy`)
    }
    const label = [...variant.sets.map((set) => `--set ${set}`), ...variant.patches.map((patch) => `--patch ${patch}`)].join(' ')
    console.log(`variant: ${label} (copy in ${root})`)
    return await run(process.execPath, [join(root, 'bench/run.ts'), ...variant.rest], root, { ...process.env, BENCH_VARIANT: label })
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}
