/**
 * `npm run bench`: the figures of issue 5, each next to its target, as a table on stdout, as JSON
 * in bench/results/<date>.json and as Markdown in bench/results/latest.md.
 * `npm run bench:smoke`: a small version for CI (a few warm chats and the size checks, no
 * emulator, nothing written) that exits non-zero when a hard invariant breaks.
 *
 * Options: `--smoke`; `--only warm,emulator,size` (any subset; the full run writes results only
 * when all three ran); `--emulator` (smoke: also one emulator chat).
 */
import { emulatorMode, type EmulatorResults } from './emulator.ts'
import { emulatorFigures, sizeFigures, warmFigures, type Figure } from './figures.ts'
import { spawnNode } from './processes.ts'
import { renderTable, writeResults, type RunInfo } from './report.ts'
import { sizeMode, type SizeResults } from './size.ts'
import { now, summarize } from './stats.ts'
import { warmMode, type WarmResults } from './warm.ts'
import type { BatchFigures } from './workload.ts'

const args = process.argv.slice(2)
const smoke = args.includes('--smoke')
const onlyArg = args.indexOf('--only') >= 0 ? args[args.indexOf('--only') + 1]!.split(',') : ['size', 'warm', 'emulator']
const parts = new Set(smoke ? ['size', 'warm', ...(args.includes('--emulator') ? ['emulator'] : [])] : onlyArg)
const command = smoke ? 'npm run bench:smoke' : `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`

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
  try {
    if (parts.has('size')) {
      size = await sizeMode(
        smoke ? { only: ['ai-chat', 'ai-chat-status', 'health'], zips: false, importRuns: 1, progress } : { zips: true, importRuns: 5, progress },
      )
    }
    if (parts.has('warm')) {
      warm = await warmMode(
        smoke
          ? { fakeUrl, latencyChats: 0, latencyRate: 0, levels: [6], idleProbe: false, progress }
          : { fakeUrl, latencyChats: 100, latencyRate: 5, levels: [1, 50, 200, 500], idleProbe: true, progress },
      )
    }
    if (parts.has('emulator')) {
      emulator = await emulatorMode(
        smoke
          ? { fakeUrl, sequentialChats: 1, concurrentChats: 0, oneProviderChats: 0, demoChats: 0, progress }
          : { fakeUrl, sequentialChats: 6, concurrentChats: 10, oneProviderChats: 3, demoChats: 4, progress },
      )
    }
  } finally {
    await fake.child.stop()
  }

  const figures: Figure[] = [...(warm ? warmFigures(warm) : []), ...(emulator ? emulatorFigures(emulator) : []), ...(size ? sizeFigures(size) : [])]
  const info: RunInfo = { command, startedAt: new Date(performance.timeOrigin).toISOString(), wallSeconds: (now() - startedAt) / 1000, smoke }
  console.log(`\n${renderTable(figures, info)}`)

  if (!smoke && parts.size === 3) {
    const raw = {
      warm: warm && {
        latency: warm.latency && { ...warm.latency, figures: compact(warm.latency.figures) },
        idle: warm.idle,
        scale: warm.scale.map((level) => ({ ...level, figures: compact(level.figures) })),
      },
      emulator: emulator && {
        ...emulator,
        healthMs: summarize(emulator.healthMs),
        levels: emulator.levels.map((level) => ({ ...level, figures: compact(level.figures) })),
        oneProvider: emulator.oneProvider && compact(emulator.oneProvider),
        demo: emulator.demo && compact(emulator.demo),
      },
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
