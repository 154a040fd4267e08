/**
 * Turns the measurements into the figures of issue 5, each next to its target with PASS, MISS or
 * INFO (a figure the issue asks to report without a target).
 */
import type { EmulatorResults } from './emulator.ts'
import { stepDurations, timelineSummary, type PageResults } from './page.ts'
import type { RenderResults } from './page-render.ts'
import { SDK_FUNCTIONS, SDK_PACKAGES, type SizeResults } from './size.ts'
import { median, percentile, summarize, type Summary } from './stats.ts'
import type { BurstResult } from './burst.ts'
import type { ConversationResults, CostBucket, WarmResults } from './warm.ts'
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
  const total: Required<CostBucket> = { count: 0, ms: 0, reads: 0, writes: 0, lists: 0, deletes: 0, earlierResultReads: 0 }
  for (const [key, bucket] of Object.entries(buckets)) {
    if (!key.startsWith(prefix)) continue
    for (const field of Object.keys(total) as Array<keyof CostBucket>) total[field] += bucket[field] ?? 0
  }
  return total
}

/** The per-client cap under a burst. In-process (warm) the cap must hold exactly; on the emulator it is reported as found. */
export function burstFigures(section: string, where: string, burst: BurstResult, exact: boolean): Figure[] {
  const statuses = Object.entries(burst.statuses).map(([status, count]) => `${count}×${status === '0' ? 'network error' : status}`).join(', ')
  const accepted = burst.accepted
  return [
    {
      section,
      name: `Per-client cap: ${burst.posts} POSTs from one visitor at the same instant, AI_CHAT_MAX_ACTIVE_PER_IP=${burst.cap} (${where})`,
      target: exact ? `exactly ${burst.cap} accepted` : `${burst.cap} (the local blob server's conditional writes are not atomic: more may pass)`,
      measured: `${accepted} accepted (${statuses}), answers within ${ms(burst.answeredWithinMs)} of each other; refused chats that reached a provider: ${burst.refusedCalled}${burst.errors.length ? `; ${burst.errors.join('; ')}` : ''}`,
      status: exact ? pass(accepted === burst.cap && burst.refusedCalled === 0) : 'INFO',
      hard: exact,
      value: burst,
    },
    {
      section,
      name: `Lost results and duplicate provider calls of the accepted burst chats (${where})`,
      target: '0 and 0',
      measured: `${burst.lost} lost of ${accepted}, ${burst.duplicates} duplicates (${burst.providerCalls} calls)`,
      status: pass(burst.lost === 0 && burst.duplicates === 0 && burst.providerCalls >= accepted),
      hard: true,
      value: { lost: burst.lost, duplicates: burst.duplicates },
    },
  ]
}

/** Sums buckets by request shape, whatever their HTTP status: `held+latest 200` and `held+latest 304` → `held+latest`. */
function byShape(buckets: Record<string, CostBucket>): Record<string, Required<CostBucket>> {
  const out: Record<string, Required<CostBucket>> = {}
  for (const [key, bucket] of Object.entries(buckets)) {
    const shape = key.replace(/ \d+$/, '')
    const total = (out[shape] ??= { count: 0, ms: 0, reads: 0, writes: 0, lists: 0, deletes: 0, earlierResultReads: 0 })
    for (const field of Object.keys(total) as Array<keyof CostBucket>) total[field] += bucket[field] ?? 0
  }
  return out
}

const pollCost = (bucket: Required<CostBucket> | undefined) =>
  bucket && bucket.count ? `${num(per(bucket.lists, bucket.count), 2)} lists, ${num(per(bucket.reads, bucket.count), 2)} reads (${num(per(bucket.earlierResultReads, bucket.count), 2)} of earlier turns' results), n=${bucket.count}` : 'n/a'

export function conversationFigures(conv: ConversationResults): Figure[] {
  const section = `Conversations (warm, ${conv.conversations} at once, ${conv.turns} turns each, short answers)`
  const out: Figure[] = []
  const posts = conv.perTurn.map((turn) => ({ turn: turn.turn, post: summarize(turn.figures.postLatencyMs) }))
  const first = posts[0]?.post
  const last = posts.at(-1)
  if (first && last) {
    out.push({
      section,
      name: `POST of turn n → 202 against turn 1's POST`,
      target: '—',
      measured: `turn 1 ${p2(first)}; turn ${last.turn} ${p2(last.post)} (${num(last.post.p50 / first.p50, 2)}× at p50); p50 by turn: ${posts.map((entry) => `${entry.turn}: ${ms(entry.post.p50)}`).join(', ')}`,
      status: 'INFO',
      value: posts,
    })
  }
  const third = conv.perTurn.find((turn) => turn.turn === 3)
  if (third) out.push(...stalenessFigures(section, `warm, turn 3 of ${conv.conversations} conversations`, third.figures).slice(0, 2))
  const lost = conv.perTurn.reduce((sum, turn) => sum + turn.figures.lost, 0)
  const results = conv.perTurn.reduce((sum, turn) => sum + turn.figures.providerResults, 0)
  const duplicates = conv.perTurn.reduce((sum, turn) => sum + turn.figures.duplicates, 0)
  const calls = conv.perTurn.reduce((sum, turn) => sum + turn.figures.providerCalls, 0)
  const reasons = conv.perTurn.flatMap((turn) => Object.entries(turn.figures.lostReasons).map(([reason, count]) => `turn ${turn.turn}: ${count} ${reason}`))
  out.push({
    section,
    name: `Lost results (every turn of every conversation)`,
    target: '0',
    measured: `${lost} of ${results}${lost ? ` (${reasons.join(', ')}; e.g. ${conv.perTurn.flatMap((turn) => turn.figures.lostExamples).slice(0, 2).join('; ')}${conv.errors.length ? `; ${conv.errors.slice(0, 2).join('; ')}` : ''})` : ''}`,
    status: pass(lost === 0),
    hard: true,
    value: lost,
  })
  out.push({ section, name: 'Duplicate provider calls (every turn)', target: '0', measured: `${duplicates} (${calls} calls)`, status: pass(duplicates === 0), hard: true, value: duplicates })

  const perTurnCost = (turn: number) => byShape(Object.fromEntries(Object.entries(conv.costs).filter(([key]) => key.startsWith(`conv-t${turn} `)).map(([key, bucket]) => [key.slice(`conv-t${turn} `.length), bucket])))
  const costFirst = perTurnCost(1)
  const costLast = perTurnCost(conv.turns)
  const held = (costs: Record<string, Required<CostBucket>>) => costs['status held+latest']
  const heldFirst = held(costFirst)
  const heldLast = held(costLast)
  if (heldFirst && heldLast) {
    const same = per(heldLast.lists + heldLast.reads, heldLast.count) <= per(heldFirst.lists + heldFirst.reads, heldFirst.count) * 1.25 + 0.5
    out.push({
      section,
      name: `The page's poll while turn n runs (since + wait + turns=latest), blob operations per poll`,
      target: `turn ${conv.turns} ≈ turn 1; 0 reads of earlier turns`,
      measured: `turn 1: ${pollCost(heldFirst)}; turn ${conv.turns}: ${pollCost(heldLast)}`,
      status: pass(heldLast.earlierResultReads === 0 && same),
      value: { first: heldFirst, last: heldLast },
    })
    const postFirst = costFirst.post
    const postLast = costLast.messages
    if (postFirst && postLast) {
      out.push({
        section,
        name: `POST of turn 1 vs POST of turn ${conv.turns}, blob operations`,
        target: '—',
        measured: `turn 1: ${costLine(postFirst, postFirst.count)}; turn ${conv.turns}: ${costLine(postLast, postLast.count)} (${num(per(postLast.earlierResultReads, postLast.count), 2)} reads of earlier turns' results)`,
        status: 'INFO',
        value: { first: postFirst, last: postLast },
      })
    }
  }
  const many = conv.finished.find((entry) => entry.turns === conv.turns)
  const one = conv.finished.find((entry) => entry.turns === 1)
  if (many) {
    const shapes: Array<[string, string]> = [
      ['first', 'plain GET (every turn with its results)'],
      ['first+latest', '?turns=latest'],
      ['since+latest', '?since=<version>&turns=latest (→ 304)'],
      ['held+latest', '?since=<version>&wait=2000&turns=latest (final: → 304 at once)'],
    ]
    const manyShapes = byShape(many.polls)
    const oneShapes = one ? byShape(one.polls) : {}
    for (const [shape, label] of shapes) {
      const mine = manyShapes[shape]
      const single = oneShapes[shape]
      const free = !!mine && mine.earlierResultReads === 0 && (!single || (per(mine.lists, mine.count) <= per(single.lists, single.count) && per(mine.reads, mine.count) <= per(single.reads, single.count)))
      out.push({
        section,
        name: `Finished ${conv.turns}-turn chat, ${label}: blob operations per poll`,
        target: 'finished turns cost nothing (as a 1-turn chat; 0 reads of earlier turns)',
        measured: `${conv.turns} turns: ${pollCost(mine)}; 1 turn: ${pollCost(single)}`,
        status: pass(free),
        value: { turns: mine, single },
      })
    }
  }
  return out
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
  if (warm.burst) out.push(...burstFigures('Per-client cap (AI_CHAT_MAX_ACTIVE_PER_IP)', 'warm, in-process', warm.burst, true))
  if (warm.conversations) out.push(...conversationFigures(warm.conversations))
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
  /** 202 → first streamed text of one emulator phase, with the part until its run started. */
  const firstText = (phase: { firstTextAfter202Ms: number[]; runStartAfter202Ms: number[] }, name: string, target: string, met: (first: ReturnType<typeof summarize>) => boolean | null) => {
    const first = summarize(phase.firstTextAfter202Ms)
    const start = summarize(phase.runStartAfter202Ms)
    const measured = `${p2(first)}; of which 202 → run started p50 ${ms(start.p50)}`
    out.push({ section, name, target, measured, status: met(first) === null ? 'INFO' : pass(met(first)!), value: { first, runStart: start } })
  }
  if (emulator.demo) firstText(emulator.demo, '202 → first streamed text (emulator, demo mode)', '≤ 1000 ms', (first) => first.n > 0 && first.p95 <= 1000)
  if (emulator.oneProvider) {
    firstText(emulator.oneProvider, '202 → first streamed text (emulator, OpenAI alone, fake answers at once)', 'report', () => null)
    out.push(...invariantFigures(section, 'emulator, OpenAI alone', emulator.oneProvider))
  }
  if (emulator.burst) out.push(...burstFigures(section, 'emulator, npm start', emulator.burst, false))
  for (const error of emulator.errors) out.push({ section, name: 'Emulator error', target: '—', measured: error, status: 'MISS' })
  // The page has a section of its own, after the emulator's.
  if (emulator.page) out.push(...pageFigures(emulator.page))
  return out
}

/** The answer with the median page-side time (response → DOM), step by step. */
function example(page: PageResults): string {
  const sorted = [...page.timelines].filter((t) => Number.isFinite(t.domMs - t.responseMs)).sort((a, b) => a.domMs - a.responseMs - (b.domMs - b.responseMs))
  const t = sorted[Math.floor(sorted.length / 2)]
  if (!t) return ''
  const at = (x: number) => `${num(x - t.responseMs)} ms`
  return `. Example (${t.label} ${t.participant}, the median answer): response received (${ms(t.responseMs)} after the last byte) → JSON parsed +${at(t.jsonMs)} → receive() +${at(t.receiveMs)} → signals set +${at(t.signalsMs)} → DOM updated +${at(t.domMs)} → frame +${at(t.frameMs)}`
}

/** The page in Chromium against the HTTP client following the same chats, same emulator. */
export function pageFigures(page: PageResults): Figure[] {
  const section = 'The page in Chromium (npm start, real mode, fake providers)'
  const mine = summarize(page.page.finalStalenessMs)
  const client = summarize(page.client.finalStalenessMs)
  const gap = summarize(page.gapMs)
  const arrival = summarize(page.arrivalGapMs)
  const control = summarize(page.controlGapMs)
  const out: Figure[] = [
    {
      section,
      name: `Page staleness: answer shown done with its full text in the DOM − provider's last byte (${page.page.chats} chats)`,
      target: 'within 30 ms of the client (p50 and p95)',
      measured: `page ${p2(mine)}; HTTP client following the same chats ${p2(client)}; per answer, page − client: p50 ${ms(gap.p50)}, p95 ${ms(gap.p95)} (n=${gap.n})`,
      status: pass(mine.n > 0 && client.n > 0 && mine.p50 - client.p50 <= 30 && mine.p95 - client.p95 <= 30),
      value: { page: mine, client, gap },
    },
    {
      section,
      name: 'Page − client, per answer: of which the carrying response arrived later (poll phase, not the page)',
      target: '—',
      measured: `arrival of the response that carried the final state, page − client: p50 ${ms(arrival.p50)}, p95 ${ms(arrival.p95)} (n=${arrival.n}); two identical HTTP clients on the same chats differ by p50 ${ms(control.p50)}, p95 ${ms(control.p95)}, |p95| ${ms(percentile(page.controlGapMs.map(Math.abs), 95))}`,
      status: 'INFO',
      value: { arrival, control },
    },
  ]
  const steps = timelineSummary(page.timelines)
  if (page.timelines.length) {
    const durations = stepDurations(page.timelines)
    out.push({
      section,
      name: "One update in the page, from the provider's last byte (medians over every answer)",
      target: '—',
      measured: `held poll sent ${ms(steps.requestSentMs.p50)}, response at the page ${ms(steps.responseMs.p50)}, JSON parsed ${ms(steps.jsonMs.p50)}, ${page.sessionInstrumented ? `receive() ${ms(steps.receiveMs.p50)}, signals set ${ms(steps.signalsMs.p50)}, ` : ''}DOM shows it done ${ms(steps.domMs.p50)}, next frame ${ms(steps.frameMs.p50)} (n=${steps.domMs.n}; status documents of ${num(median(page.timelines.map((t) => t.bytes)) / 1000)} kB)${example(page)}`,
      status: 'INFO',
      value: { steps, timelines: page.timelines },
    })
    out.push({
      section,
      name: 'Where the page spends the time of one update (each step after the one before)',
      target: '—',
      measured: `${Object.entries(durations)
        .filter(([, summary]) => summary.n > 0)
        .map(([step, summary]) => `${step} p50 ${num(summary.p50)} ms / p95 ${num(summary.p95)} ms`)
        .join('; ')}; every document taken in (streaming updates too), signals set → DOM: p50 ${num(summarize(page.anyUpdateRenderMs).p50)} ms / p95 ${num(summarize(page.anyUpdateRenderMs).p95)} ms (n=${page.anyUpdateRenderMs.length}); the HTTP client, response → final state seen: p50 ${num(summarize(page.client.finalProcessingMs).p50)} ms / p95 ${num(summarize(page.client.finalProcessingMs).p95)} ms`,
      status: 'INFO',
      value: durations,
    })
  }
  const full = summarize(page.pageFullTextMs)
  const loaded = (name: RegExp) => summarize(page.modules.map((list) => list.filter((entry) => name.test(entry.name)).reduce((max, entry) => Math.max(max, entry.endMs), -Infinity)).filter(Number.isFinite))
  out.push({
    section,
    name: 'Page: full text in the DOM (any status) − last byte; lazy modules; plain-text renders',
    target: '—',
    measured: `${p2(full)}; after navigation the chat session module was loaded at p50 ${ms(loaded(/chat-session/).p50)}, the Markdown renderer at p50 ${ms(loaded(/markdown-renderer|marked|dompurify/).p50)}; DOM updates with an answer as plain text (renderer not loaded): ${page.plainSightings.reduce((a, b) => a + b, 0)}; ${num(page.pageRequests.reduce((a, b) => a + b, 0) / (page.pageRequests.length || 1))} status requests per chat`,
    status: 'INFO',
    value: { full, modules: page.modules, plainSightings: page.plainSightings },
  })
  if (page.profile) {
    const profile = page.profile
    out.push({
      section,
      name: "Where the page's main thread spends its time during one chat (V8 CPU profile, one more chat)",
      target: '—',
      measured:
        'error' in profile
          ? `not measured: ${profile.error}`
          : `${num(profile.totalMs, 0)} ms busy for ${profile.documents} status documents; by script: ${profile.byScript
              .slice(0, 8)
              .map((entry) => `${entry.script} ${num(entry.ms, 0)} ms`)
              .join(', ')}; top functions: ${profile.topFunctions
              .slice(0, 6)
              .map((entry) => `${entry.fn} (${entry.script}) ${num(entry.ms, 0)} ms`)
              .join(', ')}`,
      status: 'INFO',
      value: profile,
    })
  }
  if (page.trace) {
    const trace = page.trace
    const share = (part: { busyMs: number; wallMs: number }) => `${num(part.busyMs, 0)} ms of ${num(part.wallMs, 0)} ms (${num((100 * part.busyMs) / (part.wallMs || 1), 0)} %)`
    out.push({
      section,
      name: "The page's main thread during that chat (Chrome trace: self time by event)",
      target: '—',
      measured:
        'error' in trace
          ? `not measured: ${trace.error}`
          : `busy ${share(trace)}; before the first text (placeholders shown) ${share(trace.beforeFirstText)}, after ${share(trace.afterFirstText)}; ${trace.longTasks} tasks over 50 ms; by event: ${trace.bySelf
              .slice(0, 8)
              .map((entry) => `${entry.name} ${num(entry.ms, 0)} ms`)
              .join(', ')}${trace.updates.length ? `. Final updates (ms after the response arrived): ${trace.updates.map((u) => `${u.participant}: JSON ${num(u.jsonMs)}, signals ${num(u.signalsMs)}, done in the DOM ${num(u.doneMs)}, main thread busy ${num(u.busyMs)} (${u.top.slice(0, 3).map((t) => `${t.name} ${num(t.ms)}`).join(', ')}${u.functions?.length ? `; JS: ${u.functions.slice(0, 4).map((f) => `${f.fn} (${f.script}) ${num(f.ms)}`).join(', ')}` : ''})`).join('; ')}` : ''}`,
      status: 'INFO',
      value: trace,
    })
  }
  out.push(...invariantFigures(section, 'page chats', page.page), ...invariantFigures(section, "the client's chats beside them", page.client))
  if (page.browserRender) {
    out.push({
      section,
      name: 'Render of one streamed update, 20 turns × 4 columns, in Chromium (timeStreamedUpdate, dev build)',
      target: '≤ 16 ms',
      measured: 'error' in page.browserRender ? `not measured: ${page.browserRender.error}` : `median ${num(page.browserRender.medianMs)} ms, slowest ${num(page.browserRender.maxMs)} ms (40 updates)`,
      status: 'error' in page.browserRender ? 'INFO' : pass(page.browserRender.medianMs <= 16),
      value: page.browserRender,
    })
  }
  return out
}

export function renderFigures(render: RenderResults): Figure[] {
  const section = 'Page render (jsdom)'
  return [
    {
      section,
      name: `One streamed update, ${render.turns} turns × ${render.columns} columns (web/src/testing/render-bench.tsx in jsdom)`,
      target: '≤ 16 ms (median; p95 shown)',
      measured: `median ${num(render.update.p50)} ms, p95 ${num(render.update.p95)} ms, slowest ${num(render.update.max)} ms (n=${render.update.n}); timeStreamedUpdate: median ${num(render.timeStreamedUpdate.medianMs)} ms, slowest ${num(render.timeStreamedUpdate.maxMs)} ms; first render of the conversation ${ms(render.setupMs)}`,
      status: pass(render.update.p50 <= 16),
      value: render,
    },
  ]
}

export function sizeFigures(size: SizeResults): Figure[] {
  const section = 'Size'
  const out: Figure[] = [
    { section, name: 'First-screen JS, gzipped', target: '< 15 kB', measured: `${kB(size.firstScreenJsBytes)} (${size.firstScreenFiles})`, status: pass(size.firstScreenJsBytes < 15_000), value: size.firstScreenJsBytes },
    { section, name: 'All JS, gzipped', target: '—', measured: `${kB(size.allJsBytes)} in ${size.jsFiles} files`, status: 'INFO', value: size.allJsBytes },
  ]
  const baseline = size.baseline
  const baselineDate = baseline ? (/\d{4}-\d{2}-\d{2}/.exec(baseline.file)?.[0] ?? baseline.file) : ''
  /** "now (before: then)" when the last committed run measured it. */
  const versus = (now: number, then: number | undefined, format: (x: number) => string) =>
    then === undefined ? format(now) : `${format(now)} (${baselineDate}: ${format(then)})`
  for (const fn of size.functions) {
    if (fn.files === undefined) continue
    const before = baseline?.functions[fn.name]
    const zip = fn.zipBytes !== undefined ? `zip ${versus(fn.zipBytes, before?.zipBytes, kB)}, ` : ''
    const sdk = fn.sdkImportMs !== undefined ? `; + ${ms(fn.sdkImportMs)} to load the 3 SDKs` : ''
    const isNew = baseline && !before ? ' (new since the last committed run)' : ''
    out.push({
      section,
      name: `Function ${fn.name}: bundle, cold import${isNew}`,
      target: '—',
      measured: `${zip}${versus(fn.files, before?.files, (x) => `${x} files`)}, ${versus(fn.unpackedBytes!, before?.unpackedBytes, kB)} unpacked; cold import ${versus(fn.coldImportMs!, before?.coldImportMs, ms)}${sdk}; build ${ms(fn.buildMs!)}; reaches ${fn.packages.join(', ') || 'no package'}`,
      status: 'INFO',
      value: { ...fn, before },
    })
  }
  const sdksOf = (fn: SizeResults['functions'][number]) => [...new Set([...(fn.sdks ?? []), ...fn.graphSdks])]
  const checked = size.functions.filter((fn) => !SDK_FUNCTIONS.includes(fn.name))
  for (const name of ['ai-chat', 'ai-chat-status']) {
    const fn = checked.find((entry) => entry.name === name)
    if (!fn) continue
    const sdks = sdksOf(fn)
    out.push({ section, name: `Function ${name} pulls in no provider SDK`, target: 'none', measured: sdks.length ? sdks.join(', ') : `none (${fn.sdks ? 'built bundle and ' : ''}import graph)`, status: pass(sdks.length === 0), hard: true, value: sdks })
  }
  const others = checked.filter((fn) => fn.name !== 'ai-chat' && fn.name !== 'ai-chat-status')
  if (others.length) {
    const carrying = others.filter((fn) => sdksOf(fn).length)
    out.push({
      section,
      name: `Every other function that calls no provider pulls in no SDK (${others.map((fn) => fn.name).join(', ')})`,
      target: 'none',
      measured: carrying.length ? carrying.map((fn) => `${fn.name}: ${sdksOf(fn).join(', ')}`).join('; ') : `none (import graph${others.some((fn) => fn.sdks) ? ', and the built bundles' : ''})`,
      status: pass(carrying.length === 0),
      hard: true,
      value: Object.fromEntries(others.map((fn) => [fn.name, sdksOf(fn)])),
    })
  }
  const runs = size.functions.filter((fn) => SDK_FUNCTIONS.includes(fn.name))
  if (runs.length) {
    out.push({
      section,
      name: 'Provider functions load each SDK only by import()',
      target: '—',
      measured: runs.map((fn) => `${fn.name}: ${fn.packages.filter((pkg) => SDK_PACKAGES.some((sdk) => pkg.startsWith(`${sdk} `) || pkg === sdk)).join(', ')}`).join('; '),
      status: 'INFO',
    })
  }
  return out
}
