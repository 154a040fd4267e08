/**
 * Turns the measurements into the figures of issue 5, each next to its target with PASS, MISS or
 * INFO (a figure the issue asks to report without a target).
 */
import type { EmulatorResults } from './emulator.ts'
import type { SizeResults } from './size.ts'
import { percentile, summarize, type Summary } from './stats.ts'
import type { CostBucket, WarmResults } from './warm.ts'
import type { BatchFigures } from './workload.ts'
import { WAIT_MS } from '../web/src/api.ts'

export type Status = 'PASS' | 'MISS' | 'INFO'

export interface Figure {
  section: string
  name: string
  target: string
  measured: string
  status: Status
  /** A broken hard invariant (lost results, duplicate provider calls, an SDK in the POST/status function) fails the run. */
  hard?: boolean
  value?: unknown
}

const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a')
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`
const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`
const pass = (ok: boolean): Status => (ok ? 'PASS' : 'MISS')
const p3 = (s: Summary) => `p50 ${ms(s.p50)} / p95 ${ms(s.p95)} / p99 ${ms(s.p99)} (n=${s.n})`
const p2 = (s: Summary) => `p50 ${ms(s.p50)} / p95 ${ms(s.p95)} (n=${s.n})`
const per = (value: number, count: number) => (count ? value / count : NaN)
const num = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a')

function stalenessFigures(section: string, where: string, figures: BatchFigures): Figure[] {
  const final = summarize(figures.finalStalenessMs)
  const first = summarize(figures.firstStalenessMs)
  const completion = summarize(figures.completionOverheadMs)
  const ok = (s: Summary) => s.n > 0 && s.p50 <= 250 && s.p95 <= 600
  return [
    { section, name: `Staleness, final text (${where})`, target: 'p50 ≤ 250 ms, p95 ≤ 600 ms', measured: p2(final), status: pass(ok(final)), value: final },
    { section, name: `Staleness, first partial text (${where})`, target: 'p50 ≤ 250 ms, p95 ≤ 600 ms', measured: p2(first), status: pass(ok(first)), value: first },
    { section, name: `Completion overhead (${where})`, target: '—', measured: p2(completion), status: 'INFO', value: completion },
  ]
}

function invariantFigures(section: string, where: string, figures: BatchFigures): Figure[] {
  return [
    {
      section,
      name: `Lost results (${where})`,
      target: '0',
      measured: `${figures.lost} of ${figures.providerResults}${figures.lost ? ` (${Object.entries(figures.lostReasons).map(([reason, count]) => `${count} ${reason}`).join(', ')}; e.g. ${figures.lostExamples.slice(0, 2).join('; ')})` : ''}`,
      status: pass(figures.lost === 0),
      hard: true,
      value: figures.lost,
    },
    { section, name: `Duplicate provider calls (${where})`, target: '0', measured: `${figures.duplicates} (${figures.providerCalls} calls)`, status: pass(figures.duplicates === 0), hard: true, value: figures.duplicates },
  ]
}

function requestRate(section: string, where: string, figures: BatchFigures, targeted = true): Figure {
  const rates = figures.statusRequestsPerSecond
  const mean = rates.reduce((a, b) => a + b, 0) / (rates.length || 1)
  const requests = Object.values(figures.statusResponses).reduce((a, b) => a + b, 0)
  const breakdown = Object.entries(figures.statusResponses).map(([status, count]) => `${count}×${status === '0' ? 'network error' : status}`).join(', ')
  return {
    section,
    name: `Status requests per open page per second (${where})`,
    target: targeted ? '≤ about 1/s' : '— (short answers: each provider\'s first token and finish are answered at once)',
    measured: `mean ${num(mean, 2)}/s, p95 ${num(percentile(rates, 95), 2)}/s; ${num(requests / (figures.chats || 1))} per chat (${breakdown})`,
    status: targeted ? pass(mean <= 1.25) : 'INFO',
    value: { mean, p95: percentile(rates, 95), perChat: requests / (figures.chats || 1), responses: figures.statusResponses },
  }
}

function costLine(bucket: Omit<CostBucket, 'ms'> | undefined | null, count: number): string {
  if (!bucket || !count) return 'n/a'
  return `${num(per(bucket.writes, count), 2)} writes, ${num(per(bucket.lists, count), 2)} lists, ${num(per(bucket.reads, count), 2)} reads${bucket.deletes ? `, ${num(per(bucket.deletes, count), 2)} deletes` : ''}`
}

function sumBuckets(buckets: Record<string, CostBucket>, prefix: string): CostBucket {
  const total: CostBucket = { count: 0, ms: 0, reads: 0, writes: 0, lists: 0, deletes: 0 }
  for (const [key, bucket] of Object.entries(buckets)) {
    if (!key.startsWith(prefix)) continue
    for (const field of Object.keys(total) as Array<keyof CostBucket>) total[field] += bucket[field]
  }
  return total
}

export function warmFigures(warm: WarmResults): Figure[] {
  const out: Figure[] = []
  const section = 'Warm (functions in-process, real BlobsServer)'
  if (warm.latency) {
    const { figures, app, ratePerSecond } = warm.latency
    const where = `warm, ${figures.chats} chats at ${ratePerSecond}/s`
    out.push({ section, name: `POST → 202 (${where})`, target: '—', measured: p3(summarize(figures.postLatencyMs)), status: 'INFO', value: summarize(figures.postLatencyMs) })
    out.push(...stalenessFigures(section, where, figures))
    out.push(requestRate(section, where, figures, false))
    if (warm.realistic) {
      const llm = warm.realistic.figures
      const llmWhere = `warm, ${llm.chats} chats with LLM-like answers at ${warm.realistic.ratePerSecond}/s`
      out.push(...stalenessFigures(section, llmWhere, llm))
      out.push(requestRate(section, llmWhere, llm))
      out.push(...invariantFigures(section, llmWhere, llm))
    }
    out.push({ section, name: `202 → background run started (${where})`, target: '—', measured: p2(summarize(figures.runStartAfter202Ms)), status: 'INFO', value: summarize(figures.runStartAfter202Ms) })
    out.push(...invariantFigures(section, where, figures))

    const costSection = 'Cost (blob operations, counted by the store wrapper)'
    const chats = figures.chats
    const post = sumBuckets(app.buckets, 'post ')
    const run = sumBuckets(app.buckets, 'run ')
    const status = sumBuckets(app.buckets, 'status ')
    out.push({ section: costSection, name: 'Per chat: POST', target: '—', measured: costLine(post, post.count), status: 'INFO', value: post })
    out.push({ section: costSection, name: 'Per chat: background run (3 providers)', target: '—', measured: costLine(run, run.count), status: 'INFO', value: run })
    out.push({ section: costSection, name: "Per chat: the page's status polls", target: '—', measured: `${costLine(status, chats)} (${num(per(status.count, chats))} polls)`, status: 'INFO', value: status })
    out.push({ section: costSection, name: 'Per status poll (any answer)', target: '—', measured: costLine(status, status.count), status: 'INFO' })
  }
  if (warm.idle) {
    const costSection = 'Cost (blob operations, counted by the store wrapper)'
    const { held304, immediate304 } = warm.idle
    const ok = (bucket: CostBucket | null) => !!bucket && bucket.count > 0 && per(bucket.lists, bucket.count) <= 1 && per(bucket.reads, bucket.count) <= 1 && bucket.writes === 0
    out.push({
      section: costSection,
      name: `Poll that finds nothing new: the page's held poll (wait=${WAIT_MS} → 304)`,
      target: '≤ 1 list + 1 read',
      measured: held304
        ? `${costLine(held304, held304.count)} (n=${held304.count}, held ${ms(per(held304.ms, held304.count))}: ${num(held304.lists / (held304.ms / 1000 || 1), 1)} lists per held second)`
        : 'n/a',
      status: pass(ok(held304)),
      value: held304,
    })
    out.push({
      section: costSection,
      name: 'Poll that finds nothing new: immediate (since, no wait → 304)',
      target: '≤ 1 list + 1 read',
      measured: immediate304 ? `${costLine(immediate304, immediate304.count)} (n=${immediate304.count})` : 'n/a',
      status: pass(ok(immediate304)),
      value: immediate304,
    })
  }
  const scaleSection = 'Scale (warm, all chats at once, 3 providers each, one visitor per chat)'
  for (const level of warm.scale) {
    const { figures, app } = level
    const where = `${level.concurrent} concurrent`
    out.push({ section: scaleSection, name: `Chats per second (${where})`, target: '—', measured: `${num(level.chatsPerSecond)} chats/s (${figures.finalChats} of ${figures.chats} chats final, in ${num(figures.wallMs / 1000)} s)`, status: 'INFO', value: level.chatsPerSecond })
    out.push(...invariantFigures(scaleSection, where, figures))
    out.push({
      section: scaleSection,
      name: `Peak RSS of the functions' process (${where})`,
      target: level.concurrent >= 500 ? '< 1 GiB' : '—',
      measured: `${mib(app.peakRssBytes)} (CPU ${num(app.cpuMs / 1000)} s, event-loop delay p99 ${ms(app.eventLoopDelayMs.p99)})`,
      status: level.concurrent >= 500 ? pass(app.peakRssBytes < 2 ** 30) : 'INFO',
      value: app.peakRssBytes,
    })
    if (level.storeCapacity) {
      const capacity = level.storeCapacity
      // What one running chat asks of the store when nothing is queued: the 1-concurrent level.
      const single = warm.scale.find((entry) => entry.concurrent === 1)
      const perChat = (op: string) => (single ? (single.app.blobCalls[op] ?? 0) / (single.figures.wallMs / 1000) : NaN)
      out.push({
        section: scaleSection,
        name: `Local BlobsServer throughput vs what ${level.concurrent} running chats ask`,
        target: '—',
        measured: `server with ${capacity.chats} chats stored: ${num(capacity.listsPerSecond, 0)} lists/s, ${num(capacity.writesPerSecond, 0)} writes/s, ${num(capacity.readsPerSecond, 0)} reads/s; one running chat asks ${num(perChat('list'))} lists/s, ${num(perChat('PUT'))} writes/s, ${num(perChat('GET'))} reads/s (× ${level.concurrent} = ${num(perChat('list') * level.concurrent, 0)} lists/s)`,
        status: 'INFO',
        value: { capacity, perChat: { lists: perChat('list'), writes: perChat('PUT'), reads: perChat('GET') } },
      })
    }
    const final = summarize(figures.finalStalenessMs)
    const post = summarize(figures.postLatencyMs)
    const list = app.blobCallMs.list
    out.push({
      section: scaleSection,
      name: `POST → 202, final-text staleness, blob lists (${where})`,
      target: '—',
      measured: `POST p50 ${ms(post.p50)} p95 ${ms(post.p95)}; staleness p50 ${ms(final.p50)} p95 ${ms(final.p95)}; ${num((app.blobCalls.list ?? 0) / (app.wallMs / 1000), 0)} blob lists/s issued, list latency p50 ${ms(list?.p50 ?? NaN)} p95 ${ms(list?.p95 ?? NaN)}`,
      status: 'INFO',
      value: { post, final, blobCallMs: app.blobCallMs },
    })
  }
  return out
}

export function emulatorFigures(emulator: EmulatorResults): Figure[] {
  const out: Figure[] = []
  const section = 'Emulator (npm start: Vite + @netlify/vite-plugin)'
  const health = summarize(emulator.healthMs)
  const sequential = emulator.levels.find((level) => level.concurrent === 1)
  if (sequential) {
    const post = summarize(sequential.figures.postLatencyMs)
    const ratio = post.p50 / health.p50
    out.push({ section, name: 'POST → 202 (emulator, one chat at a time)', target: '—', measured: p3(post), status: 'INFO', value: post })
    out.push({ section, name: 'GET /api/health, no-op (emulator)', target: '—', measured: p3(health), status: 'INFO', value: health })
    out.push({
      section,
      name: 'POST → 202 ÷ no-op (emulator)',
      target: '≤ 1.5×',
      measured: `${num(ratio, 2)}× at p50 (${num(post.p95 / health.p95, 2)}× at p95)`,
      status: pass(ratio <= 1.5),
      value: ratio,
    })
  }
  for (const level of emulator.levels) {
    const where = `emulator, ${level.concurrent} concurrent`
    if (level.concurrent !== 1) out.push({ section, name: `POST → 202 (${where})`, target: '—', measured: p3(summarize(level.figures.postLatencyMs)), status: 'INFO', value: summarize(level.figures.postLatencyMs) })
    out.push(...stalenessFigures(section, where, level.figures))
    out.push(requestRate(section, where, level.figures))
    out.push({ section, name: `202 → background run started (${where})`, target: '—', measured: p2(summarize(level.figures.runStartAfter202Ms)), status: 'INFO', value: summarize(level.figures.runStartAfter202Ms) })
    out.push(...invariantFigures(section, where, level.figures))
    const errors = Object.entries(level.figures.statusResponses).filter(([status]) => +status >= 500 || +status === 0)
    if (errors.length) {
      out.push({ section, name: `Transient status errors retried like the page (${where})`, target: '—', measured: errors.map(([s, c]) => `${c}×${s === '0' ? 'network' : s}`).join(', '), status: 'INFO' })
    }
  }
  if (emulator.demo) {
    const first = summarize(emulator.demo.firstTextAfter202Ms)
    const start = summarize(emulator.demo.runStartAfter202Ms)
    out.push({
      section,
      name: '202 → first streamed text (emulator, demo mode)',
      target: '≤ 1000 ms',
      measured: `${p2(first)}; of which 202 → run started p50 ${ms(start.p50)}`,
      status: pass(first.n > 0 && first.p95 <= 1000),
      value: { first, runStart: start },
    })
  }
  if (emulator.oneProvider) {
    const first = summarize(emulator.oneProvider.firstTextAfter202Ms)
    const start = summarize(emulator.oneProvider.runStartAfter202Ms)
    out.push({
      section,
      name: '202 → first streamed text (emulator, OpenAI alone, fake answers at once)',
      target: 'report',
      measured: `${p2(first)}; of which 202 → run started p50 ${ms(start.p50)}`,
      status: 'INFO',
      value: { first, runStart: start },
    })
    out.push(...invariantFigures(section, 'emulator, OpenAI alone', emulator.oneProvider))
  }
  for (const error of emulator.errors) out.push({ section, name: 'Emulator error', target: '—', measured: error, status: 'MISS' })
  return out
}

export function sizeFigures(size: SizeResults): Figure[] {
  const section = 'Size'
  const out: Figure[] = [
    { section, name: 'First-screen JS, gzipped', target: '< 15 kB', measured: `${kB(size.firstScreenJsBytes)} (${size.firstScreenFiles})`, status: pass(size.firstScreenJsBytes < 15_000), value: size.firstScreenJsBytes },
    { section, name: 'All JS, gzipped', target: '—', measured: `${kB(size.allJsBytes)} in ${size.jsFiles} files`, status: 'INFO', value: size.allJsBytes },
  ]
  for (const fn of size.functions) {
    const zip = fn.zipBytes !== undefined ? `zip ${kB(fn.zipBytes)}, ` : ''
    const sdk = fn.sdkImportMs !== undefined ? `; + ${ms(fn.sdkImportMs)} to load the 3 SDKs` : ''
    out.push({
      section,
      name: `Function ${fn.name}: bundle, cold import`,
      target: '—',
      measured: `${zip}${fn.files} files ${kB(fn.unpackedBytes)} unpacked; cold import ${ms(fn.coldImportMs)}${sdk}; build ${ms(fn.buildMs)}`,
      status: 'INFO',
      value: fn,
    })
  }
  for (const name of ['ai-chat', 'ai-chat-status']) {
    const fn = size.functions.find((entry) => entry.name === name)
    if (!fn) continue
    out.push({ section, name: `Function ${name} pulls in no provider SDK`, target: 'none', measured: fn.sdks.length ? fn.sdks.join(', ') : 'none', status: pass(fn.sdks.length === 0), hard: true, value: fn.sdks })
  }
  return out
}
