/**
 * Size: the page's JS (from `npm run build`, whose web/build-size.ts report we parse), and each
 * function as Netlify deploys it: built with @netlify/zip-it-and-ship-it (`zipFunctions`, the same
 * library the emulator and Netlify's build use) into a temporary directory, its zip size, its cold
 * import time in a fresh `node` process, and whether it carries a provider SDK.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { zipFunction, zipFunctions } from '@netlify/zip-it-and-ship-it'
import { ROOT } from './processes.ts'
import { median, now } from './stats.ts'

const run = promisify(execFile)

export const SDK_PACKAGES = ['openai', '@anthropic-ai/sdk', '@google/genai'] as const

export interface FunctionSize {
  name: string
  /** The deployable zip, bytes. */
  zipBytes?: number
  /** The unpacked bundle (our code bundled by esbuild + traced node_modules), bytes. */
  unpackedBytes: number
  /** Files in the bundle. */
  files: number
  /** Building this one function with zipFunction, ms: what the emulator repeats on every call. */
  buildMs: number
  /** Fresh `node` importing the function's built module, median ms (measured inside the process). */
  coldImportMs: number
  /** Provider SDKs present in the bundle (traced node_modules or imported by the bundled code). */
  sdks: string[]
  /** Background function only: importing all three SDKs after the module, median ms (its first real call on a cold instance). */
  sdkImportMs?: number
}

export interface SizeResults {
  firstScreenJsBytes: number
  allJsBytes: number
  jsFiles: number
  firstScreenFiles: string
  functions: FunctionSize[]
  bundler: string
}

async function treeSize(directory: string): Promise<{ bytes: number; files: string[] }> {
  let bytes = 0
  const files: string[] = []
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    bytes += (await stat(path)).size
    files.push(path.slice(directory.length + 1))
  }
  return { bytes, files }
}

/** Milliseconds a fresh Node process spends in `await import(...)` of each specifier, in order (measured inside the process, so Node's own start-up is not counted). */
async function coldImport(directory: string, specifiers: string[], runs: number): Promise<number[][]> {
  const probe = join(directory, '__bench-import-probe.mjs')
  const lines = specifiers.map((specifier) => `{ const t = performance.now(); await import(${JSON.stringify(specifier)}); times.push(performance.now() - t) }`)
  await writeFile(probe, `const times = []\n${lines.join('\n')}\nconsole.log(JSON.stringify(times))\n`)
  const samples: number[][] = specifiers.map(() => [])
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, [probe], { cwd: directory, env: { ...process.env, NODE_ENV: 'production' } })
    const times = JSON.parse(stdout.trim().split('\n').at(-1)!) as number[]
    times.forEach((ms, k) => samples[k]!.push(ms))
  }
  await rm(probe)
  return samples
}

export interface SizeOptions {
  /** Only these functions (all in netlify/functions when absent). */
  only?: string[]
  /** Also build the deployable zips (slower). */
  zips: boolean
  importRuns: number
  progress: (line: string) => void
}

function parseBuildReport(output: string) {
  const clean = output.replace(/\x1b\[[0-9;]*m/g, '')
  const first = /JS for the first screen: ([\d.]+) kB gzipped \(([^;]*);/.exec(clean)
  const all = /All JS: ([\d.]+) kB gzipped in (\d+) files/.exec(clean)
  if (!first || !all) throw new Error(`npm run build printed no size report:\n${clean.slice(-2000)}`)
  return { firstScreenJsBytes: Math.round(Number(first[1]) * 1000), firstScreenFiles: first[2]!, allJsBytes: Math.round(Number(all[1]) * 1000), jsFiles: Number(all[2]) }
}

export async function sizeMode(options: SizeOptions): Promise<SizeResults> {
  options.progress('size: npm run build (page JS, gzipped)')
  const build = await run('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 16 * 2 ** 20 })
  const page = parseBuildReport(`${build.stdout}\n${build.stderr}`)

  const functionsDir = join(ROOT, 'netlify/functions')
  const names = (await readdir(functionsDir))
    .filter((file) => /\.(m?[jt]s|cjs|cts)$/.test(file))
    .map((file) => file.replace(/\.[^.]+$/, ''))
    .filter((name) => !options.only || options.only.includes(name))
    .sort()
  const work = await mkdtemp(join(tmpdir(), 'ai-chat-bench-size-'))
  const zipOptions = { archiveFormat: 'none' as const, basePath: ROOT, repositoryRoot: ROOT }
  try {
    const functions: FunctionSize[] = []
    const bundlers = new Set<string>()
    // One untimed build first, so the first timed one does not also pay for loading the bundler.
    const smallest = (await readdir(functionsDir)).find((entry) => entry.startsWith('health.')) ?? (await readdir(functionsDir))[0]!
    await zipFunction(join(functionsDir, smallest), join(work, 'warm-up'), zipOptions)
    for (const name of names) {
      options.progress(`size: bundling ${name} (zip-it-and-ship-it)`)
      const file = (await readdir(functionsDir)).find((entry) => entry.replace(/\.[^.]+$/, '') === name)!
      const startedAt = now()
      const result = await zipFunction(join(functionsDir, file), join(work, 'unpacked'), zipOptions)
      const buildMs = now() - startedAt
      if (!result) throw new Error(`zip-it-and-ship-it built nothing for ${name}`)
      const directory = result.path
      const tree = await treeSize(directory)
      const entry = tree.files.find((path) => /^netlify\/functions\/[^/]+\.mjs$/.test(path)) ?? tree.files.find((path) => path.startsWith(`${name}.`))
      if (!entry) throw new Error(`no built module for ${name} in ${directory}`)
      const bundled = await readFile(join(directory, entry), 'utf8')
      bundlers.add(String(result.bundler))
      const sdks = SDK_PACKAGES.filter(
        (pkg) => tree.files.some((path) => path.startsWith(`node_modules/${pkg}/`)) || new RegExp(`(from|import\\()\\s*["']${pkg.replace('/', '\\/')}["']`).test(bundled),
      )
      const specifiers = [`./${entry}`, ...(name === 'ai-chat-run-background' ? SDK_PACKAGES : [])]
      const samples = await coldImport(directory, specifiers, options.importRuns)
      const sdkTotals = samples[0]!.map((_, run) => samples.slice(1).reduce((sum, s) => sum + s[run]!, 0))
      functions.push({
        name,
        unpackedBytes: tree.bytes,
        files: tree.files.length,
        buildMs,
        coldImportMs: median(samples[0]!),
        sdks,
        ...(samples.length > 1 ? { sdkImportMs: median(sdkTotals) } : {}),
      })
    }
    if (options.zips) {
      options.progress('size: deployable zips (zipFunctions)')
      const zipped = await zipFunctions([functionsDir], join(work, 'zips'), { ...zipOptions, archiveFormat: 'zip' })
      for (const result of zipped) {
        const entry = functions.find((fn) => fn.name === result.name)
        if (entry) entry.zipBytes = (await stat(result.path)).size
      }
    }
    return { ...page, functions, bundler: `@netlify/zip-it-and-ship-it zipFunction/zipFunctions (bundler: ${[...bundlers].join(', ')}), as Netlify builds v2 functions` }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
