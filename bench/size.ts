/**
 * Size: the page's JS (from `npm run build`, whose web/build-size.ts report we parse), and each
 * function as Netlify deploys it: built with @netlify/zip-it-and-ship-it (`zipFunctions`, the same
 * library the emulator and Netlify's build use) into a temporary directory, its zip size, its cold
 * import time in a fresh `node` process, and whether it carries a provider SDK. Every function's
 * import graph is also read with esbuild (our code bundled, packages left external): which packages
 * it reaches, statically or by `import()`. That check takes a fraction of a second for all of them,
 * so the smoke run applies it to every function.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { ROOT } from './processes.ts'
import { median, now } from './stats.ts'

const run = promisify(execFile)

export const SDK_PACKAGES = ['openai', '@anthropic-ai/sdk', '@google/genai'] as const

/** The functions that call providers and so may carry their SDKs; every other function must not. */
export const SDK_FUNCTIONS = ['ai-chat-run-background', 'ai-chat-run-sync']

export interface FunctionSize {
  name: string
  /** The deployable zip, bytes. */
  zipBytes?: number
  /** The unpacked bundle (our code bundled by esbuild + traced node_modules), bytes (absent when not built). */
  unpackedBytes?: number
  /** Files in the bundle. */
  files?: number
  /** Building this one function with zipFunction, ms: what the emulator repeats on every call. */
  buildMs?: number
  /** Fresh `node` importing the function's built module, median ms (measured inside the process). */
  coldImportMs?: number
  /** Provider SDKs present in the built bundle (traced node_modules or imported by the bundled code). */
  sdks?: string[]
  /** Background function only: importing all three SDKs after the module, median ms (its first real call on a cold instance). */
  sdkImportMs?: number
  /** Packages its code reaches (esbuild import graph), `(import())` marking those reached only dynamically. */
  packages: string[]
  /** Provider SDKs in that graph. */
  graphSdks: string[]
}

/** A function's figures from the last committed results file, for comparison. */
export interface BaselineSize {
  file: string
  functions: Record<string, Pick<FunctionSize, 'zipBytes' | 'unpackedBytes' | 'files' | 'coldImportMs'>>
}

export interface SizeResults {
  firstScreenJsBytes: number
  allJsBytes: number
  jsFiles: number
  firstScreenFiles: string
  functions: FunctionSize[]
  bundler: string
  baseline?: BaselineSize
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

/** The import graph of every function (esbuild, packages external): the packages each reaches. */
export async function importGraphs(functionsDir: string, files: string[]): Promise<Map<string, string[]>> {
  const result = await build({
    entryPoints: files.map((file) => join(functionsDir, file)),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    metafile: true,
    write: false,
    outdir: join(tmpdir(), 'ai-chat-bench-graph'),
    logLevel: 'silent',
  })
  const graphs = new Map<string, string[]>()
  for (const output of Object.values(result.metafile.outputs)) {
    if (!output.entryPoint) continue
    const name = output.entryPoint.split('/').at(-1)!.replace(/\.[^.]+$/, '')
    const packages = new Map<string, boolean>()
    for (const entry of output.imports) {
      if (!entry.external || entry.path.startsWith('node:')) continue
      const pkg = entry.path.startsWith('@') ? entry.path.split('/').slice(0, 2).join('/') : entry.path.split('/')[0]!
      packages.set(pkg, (packages.get(pkg) ?? false) || entry.kind !== 'dynamic-import')
    }
    graphs.set(name, [...packages].map(([pkg, statically]) => (statically ? pkg : `${pkg} (import())`)).sort())
  }
  return graphs
}

/** The newest results file committed to git (bench/results/<date>.json at HEAD), for the "before" figures. */
export async function committedBaseline(): Promise<BaselineSize | undefined> {
  try {
    const { stdout: listing } = await run('git', ['ls-tree', '--name-only', 'HEAD', 'bench/results/'], { cwd: ROOT })
    const file = listing.split('\n').filter((path) => /\/\d{4}-\d{2}-\d{2}\.json$/.test(path)).sort().at(-1)
    if (!file) return undefined
    const { stdout } = await run('git', ['show', `HEAD:${file}`], { cwd: ROOT, maxBuffer: 64 * 2 ** 20 })
    const parsed = JSON.parse(stdout) as { raw?: { size?: { functions?: FunctionSize[] } } }
    const functions: BaselineSize['functions'] = {}
    for (const fn of parsed.raw?.size?.functions ?? []) functions[fn.name] = { zipBytes: fn.zipBytes, unpackedBytes: fn.unpackedBytes, files: fn.files, coldImportMs: fn.coldImportMs }
    return { file, functions }
  } catch {
    return undefined
  }
}

export interface SizeOptions {
  /** Build only these functions with zip-it-and-ship-it (all in netlify/functions when absent); the import graph covers all of them anyway. */
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
  // Loaded here, not at the top: it takes 1-2 s, which the smoke run spends on its warm chats meanwhile.
  const { zipFunction, zipFunctions } = await import('@netlify/zip-it-and-ship-it')
  options.progress('size: npm run build (page JS, gzipped)')
  const build = await run('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 16 * 2 ** 20 })
  const page = parseBuildReport(`${build.stdout}\n${build.stderr}`)

  const functionsDir = join(ROOT, 'netlify/functions')
  const sources = (await readdir(functionsDir)).filter((file) => /\.(m?[jt]s|cjs|cts)$/.test(file))
  const graphs = await importGraphs(functionsDir, sources)
  const all = sources.map((file) => file.replace(/\.[^.]+$/, '')).sort()
  const names = all.filter((name) => !options.only || options.only.includes(name))
  const graphOf = (name: string) => {
    const packages = graphs.get(name) ?? []
    return { packages, graphSdks: SDK_PACKAGES.filter((pkg) => packages.some((entry) => entry.split(' ')[0] === pkg)) }
  }
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
        ...graphOf(name),
        unpackedBytes: tree.bytes,
        files: tree.files.length,
        buildMs,
        coldImportMs: median(samples[0]!),
        sdks,
        ...(samples.length > 1 ? { sdkImportMs: median(sdkTotals) } : {}),
      })
    }
    for (const name of all) if (!names.includes(name)) functions.push({ name, ...graphOf(name) })
    functions.sort((a, b) => a.name.localeCompare(b.name))
    if (options.zips) {
      options.progress('size: deployable zips (zipFunctions)')
      const zipped = await zipFunctions([functionsDir], join(work, 'zips'), { ...zipOptions, archiveFormat: 'zip' })
      for (const result of zipped) {
        const entry = functions.find((fn) => fn.name === result.name)
        if (entry) entry.zipBytes = (await stat(result.path)).size
      }
    }
    const baseline = await committedBaseline()
    return {
      ...page,
      functions,
      bundler: `@netlify/zip-it-and-ship-it zipFunction/zipFunctions (bundler: ${[...bundlers].join(', ')}), as Netlify builds v2 functions`,
      ...(baseline ? { baseline } : {}),
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
