/**
 * `npm run bench`: every figure, each next to its target, as a table on stdout, as JSON in
 * bench/results/<date>.json and as Markdown in bench/results/latest.md.
 * `npm run bench:smoke`: a small version for CI (warm chats, the per-client cap burst, a two-turn
 * conversation and the SDK checks of every function, no emulator, nothing written) that exits
 * non-zero when a hard invariant breaks.
 *
 * Options: `--smoke`; `--only size,warm,emulator,render` (any subset; results are written only when
 * all four ran); `--emulator` (smoke: also one emulator chat); `--set <file>:<CONST>=<value>` and
 * `--patch <file>` (a what-if run on a temporary copy, see variant.ts; nothing written).
 * Experiment knobs (results are not written with them): `--levels 200,500` (warm scale levels),
 * `--latency <chats>` (warm latency run; 0 skips it, the idle-poll probe, the burst and the
 * conversations), `--emu seq,conc,one,demo,page,burst` (emulator phases), `--page-chats <n>` (chats sent
 * from the page in Chromium, default 6).
 */
import { emulatorMode, type EmulatorResults } from './emulator.ts'
import { emulatorFigures, renderFigures, sizeFigures, warmFigures, type Figure } from './figures.ts'
import { renderMode, type RenderResults } from './page-render.ts'
import { spawnNode } from './processes.ts'
import { renderTable, writeResults, type RunInfo } from './report.ts'
import { sizeMode, type SizeResults } from './size.ts'
import { now, summarize } from './stats.ts'
import { parseVariantArgs, runVariant } from './variant.ts'
import { warmMode, type WarmResults } from './warm.ts'
import type { BatchFigures } from './workload.ts'

const variant = parseVariantArgs(process.argv.slice(2))
if (variant.sets.length || variant.patches.length) process.exit(await runVariant(variant))
const args = variant.rest
const variantLabel = process.env.BENCH_VARIANT
const smoke = args.includes('--smoke')
const ALL_PARTS = ['size', 'warm', 'emulator', 'render']
const onlyArg = args.indexOf('--only') >= 0 ? args[args.indexOf('--only') + 1]!.split(',') : ALL_PARTS
const parts = new Set(smoke ? ['size', 'warm', ...(args.includes('--emulator') ? ['emulator'] : [])] : onlyArg)
/** `--name value`, for the experiment knobs below. */
const option = (name: string) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined)
const levelsArg = option('--levels')?.split(',').map(Number)
const latencyArg = option('--latency')
const emuPhases = new Set(option('--emu')?.split(',') ?? ['seq', 'conc', 'one', 'demo', 'page', 'burst'])
const command = `${smoke ? 'npm run bench:smoke' : `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`}${variantLabel ? ` (variant: ${variantLabel})` : ''}`

const startedAt = now()
const progress = (line: string) => console.log(`[${((now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${line}`)

/** Arrays of samples become summaries in the JSON file. */
function compact(figures: BatchFigures) {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(figures)) {
    out[key] = Array.isArray(value) && typeof value[0] !== 'string' ? summarize(value as number[]) : value
  }
  return out
}

async function main(): Promise<number> {
  progress(`${command}: ${[...parts].join(', ')}`)
  const fake = await spawnNode('./fake-providers.ts', { ready: /^FAKE_READY (.*)$/ })
  const { url: fakeUrl } = JSON.parse(fake.match[1]!) as { url: string }
  progress(`fake providers on ${fakeUrl}`)

  let size: SizeResults | undefined
  let warm: WarmResults | undefined
  let emulator: EmulatorResults | undefined
  let render: RenderResults | undefined
  try {
    const sizing = !parts.has('size')
      ? undefined
      : sizeMode(smoke ? { only: ['ai-chat', 'ai-chat-status'], zips: false, importRuns: 1, progress } : { zips: true, importRuns: 5, progress })
    // The smoke run checks invariants only: its size checks and warm chats run side by side.
    if (!smoke) size = await sizing
    if (parts.has('warm')) {
      warm = await warmMode(
        smoke
          ? {
              fakeUrl,
              latencyChats: 0,
              latencyRate: 0,
              levels: [],
              smokeBatch: 6,
              levelTimeoutMs: 30_000,
              idleProbe: false,
              burst: { posts: 12, cap: 3 },
              conversations: { count: 1, turns: 2, finishedPolls: false },
              progress,
            }
          : {
              fakeUrl,
              latencyChats: latencyArg !== undefined ? Number(latencyArg) : 80,
              latencyRate: 5,
              realisticChats: latencyArg !== undefined ? 0 : 30,
              levels: levelsArg ?? [1, 50, 200, 500],
              levelTimeoutMs: 45_000,
              idleProbe: latencyArg === undefined,
              ...(latencyArg === undefined ? { burst: { posts: 12, cap: 3 }, conversations: { count: 6, turns: 10, finishedPolls: true } } : {}),
              progress,
            },
      )
    }
    if (smoke) size = await sizing
    if (parts.has('emulator')) {
      emulator = await emulatorMode(
        smoke
          ? { fakeUrl, sequentialChats: 1, concurrentChats: 0, oneProviderChats: 0, demoChats: 0, progress }
          : {
              fakeUrl,
              sequentialChats: emuPhases.has('seq') ? 5 : 0,
              concurrentChats: emuPhases.has('conc') ? 10 : 0,
              oneProviderChats: emuPhases.has('one') ? 2 : 0,
              demoChats: emuPhases.has('demo') ? 3 : 0,
              pageChats: emuPhases.has('page') ? Number(option('--page-chats') ?? 6) : 0,
              ...(emuPhases.has('burst') ? { burst: { posts: 12, cap: 3 } } : {}),
              progress,
            },
      )
    }
    if (parts.has('render')) render = await renderMode(progress)
  } finally {
    await fake.child.stop()
  }

  const figures: Figure[] = [
    ...(warm ? warmFigures(warm) : []),
    ...(emulator ? emulatorFigures(emulator) : []),
    ...(render ? renderFigures(render) : []),
    ...(size ? sizeFigures(size) : []),
  ]
  const info: RunInfo = { command, startedAt: new Date(performance.timeOrigin).toISOString(), wallSeconds: (now() - startedAt) / 1000, smoke }
  console.log(`\n${renderTable(figures, info)}`)

  const knobs = levelsArg || latencyArg !== undefined || option('--emu') || option('--page-chats')
  if (!smoke && ALL_PARTS.every((part) => parts.has(part)) && !variantLabel && !knobs) {
    const raw = {
      warm: warm && {
        latency: warm.latency && { ...warm.latency, figures: compact(warm.latency.figures) },
        realistic: warm.realistic && { ...warm.realistic, figures: compact(warm.realistic.figures) },
        idle: warm.idle,
        burst: warm.burst,
        conversations: warm.conversations && { ...warm.conversations, perTurn: warm.conversations.perTurn.map((turn) => ({ turn: turn.turn, figures: compact(turn.figures) })) },
        scale: warm.scale.map((level) => ({ ...level, figures: compact(level.figures) })),
      },
      emulator: emulator && {
        ...emulator,
        healthMs: summarize(emulator.healthMs),
        levels: emulator.levels.map((level) => ({ ...level, figures: compact(level.figures) })),
        oneProvider: emulator.oneProvider && compact(emulator.oneProvider),
        demo: emulator.demo && compact(emulator.demo),
        page: emulator.page && { ...emulator.page, page: compact(emulator.page.page), client: compact(emulator.page.client), pageFinalMs: summarize(emulator.page.pageFinalMs), pageFullTextMs: summarize(emulator.page.pageFullTextMs) },
      },
      render,
      size,
    }
    const written = await writeResults(figures, info, raw)
    console.log(`Wrote ${written.json} and ${written.markdown}`)
  }

  const broken = figures.filter((figure) => figure.hard && figure.status === 'MISS')
  if (broken.length) {
    console.error(`\nHard invariants broken: ${broken.map((figure) => `${figure.name}: ${figure.measured}`).join('; ')}`)
    return 1
  }
  return 0
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error)
    process.exit(2)
  },
)
