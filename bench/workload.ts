/**
 * What the benchmark asks of the fake providers, and what it makes of what it saw: reply scripts
 * per chat, and the staleness, completion, loss and duplicate figures of a batch of chats.
 */
import { BUILT_IN_PROVIDER_IDS, BUILT_IN_PROVIDERS } from '../shared/catalogue.ts'
import type { FakeReply } from '../server/testing/wire.ts'
import type { ChatRun } from './client.ts'
import { benchMessage, duplicateCalls, type ChatScript, type FakeCallRecord, type ProviderId } from './fake-providers.ts'
import { seeded } from './stats.ts'

export interface ChatPlan {
  label: string
  script: ChatScript
  /** Each provider's full answer, as the client must finally see it. */
  expected: Partial<Record<ProviderId, string>>
  body: Record<string, unknown>
}

/** How the fake providers answer: time to first byte, chunk cadence and answer length, drawn per provider per chat. */
export interface Profile {
  ttfbMs: [number, number]
  chunkMs: [number, number]
  chunks: [number, number]
}

/** Varied enough that providers finish at every phase of the client's poll cycle. Short answers: 0.2-5 s. */
export const VARIED: Profile = { ttfbMs: [150, 1500], chunkMs: [15, 60], chunks: [10, 60] }

/** Short answers (0.2-1.4 s): conversation turns, and the smoke run's chats. */
export const SHORT: Profile = { ttfbMs: [100, 600], chunkMs: [15, 40], chunks: [6, 20] }

/** Answers as long as real models give to a question (first token 0.3-2 s, then 1.5-12 s of streaming). */
export const LLM_LIKE: Profile = { ttfbMs: [300, 2000], chunkMs: [20, 60], chunks: [70, 200] }

const WORDS = 'the quick answer streams in small pieces while every provider keeps its own pace and the page shows each card as it fills'.split(' ')

/** Plans `count` chats labelled `<batch>#<i>`, every provider with its own drawn reply. */
export function planChats(batch: string, count: number, profile: Profile, seed = 1, providers: readonly ProviderId[] = BUILT_IN_PROVIDER_IDS): ChatPlan[] {
  const rand = seeded(seed)
  const between = ([min, max]: [number, number]) => Math.round(min + rand() * (max - min))
  return Array.from({ length: count }, (_, i) => {
    const script: ChatScript = {}
    const expected: ChatPlan['expected'] = {}
    for (const provider of providers) {
      const chunks = Array.from({ length: between(profile.chunks) }, (_, c) => {
        const words = Array.from({ length: 2 + Math.floor(rand() * 5) }, () => WORDS[Math.floor(rand() * WORDS.length)])
        return `${c === 0 ? '' : ' '}${words.join(' ')}`
      })
      const reply: FakeReply = { delayMs: between(profile.ttfbMs), chunkMs: between(profile.chunkMs), chunks }
      script[provider] = reply
      expected[provider] = chunks.join('')
    }
    const label = `${batch}#${i}`
    const models = providers.length === BUILT_IN_PROVIDER_IDS.length ? undefined : Object.fromEntries(providers.map((p) => [p, defaultModel(p)]))
    return { label, script, expected, body: { message: benchMessage(label, script), ...(models ? { models } : {}) } }
  })
}

/** The catalogue's default model (the benchmark sets no `AI_CHAT_MODELS_*`). */
const defaultModel = (provider: ProviderId) => BUILT_IN_PROVIDERS[provider].models[0]!.id

export interface BatchFigures {
  chats: number
  /** Chats the client saw `completed` or `failed`. */
  finalChats: number
  providerResults: number
  postLatencyMs: number[]
  postStatuses: Record<number, number>
  /** Final text seen by the client minus the fake provider's last byte, per provider result. */
  finalStalenessMs: number[]
  /** Final state seen minus the arrival (headers) of the response that carried it, per provider result: the client's own processing. */
  finalProcessingMs: number[]
  /** First partial text seen minus the fake provider's first byte, per provider result. */
  firstStalenessMs: number[]
  /** `completed` seen minus the slowest provider's last byte, per chat. */
  completionOverheadMs: number[]
  /** 202 → first text of any provider, per chat. */
  firstTextAfter202Ms: number[]
  /** 202 → the background run claiming its first provider (server timings), per chat: the run's start-up. */
  runStartAfter202Ms: number[]
  /** Results not final `done` with the provider's full text. */
  lost: number
  /** Lost results by reason: `not final in time`, `error: <code>`, `wrong text`, `never called`. */
  lostReasons: Record<string, number>
  lostExamples: string[]
  duplicates: number
  /** Provider calls seen by the fake for this batch. */
  providerCalls: number
  /** Status requests per second of an open page, per chat. */
  statusRequestsPerSecond: number[]
  statusResponses: Record<number, number>
  /** First POST sent → last chat seen final. */
  wallMs: number
}

/** Matches what the clients saw with what the fake providers sent. */
export function analyseBatch(plans: readonly ChatPlan[], runs: readonly ChatRun[], calls: readonly FakeCallRecord[]): BatchFigures {
  const labels = new Set(plans.map((plan) => plan.label))
  const ours = calls.filter((call) => call.chat && labels.has(call.chat))
  const callOf = new Map<string, FakeCallRecord>()
  for (const call of ours) if (!callOf.has(`${call.chat} ${call.provider}`)) callOf.set(`${call.chat} ${call.provider}`, call)
  const figures: BatchFigures = {
    chats: plans.length,
    finalChats: runs.filter((run) => run.finalAt !== undefined).length,
    providerResults: 0,
    postLatencyMs: [],
    postStatuses: {},
    finalStalenessMs: [],
    finalProcessingMs: [],
    firstStalenessMs: [],
    completionOverheadMs: [],
    firstTextAfter202Ms: [],
    runStartAfter202Ms: [],
    lost: 0,
    lostReasons: {},
    lostExamples: [],
    duplicates: duplicateCalls(ours),
    providerCalls: ours.length,
    statusRequestsPerSecond: [],
    statusResponses: {},
    wallMs: 0,
  }
  let firstPost = Infinity
  let lastFinal = 0
  plans.forEach((plan, i) => {
    const run = runs[i]!
    firstPost = Math.min(firstPost, run.postStartedAt)
    if (run.finalAt) lastFinal = Math.max(lastFinal, run.finalAt)
    if (run.postLatencyMs !== undefined) figures.postLatencyMs.push(run.postLatencyMs)
    if (run.postStatus !== undefined) figures.postStatuses[run.postStatus] = (figures.postStatuses[run.postStatus] ?? 0) + 1
    for (const [status, count] of Object.entries(run.statusRequests)) figures.statusResponses[+status] = (figures.statusResponses[+status] ?? 0) + count
    let slowestLastByte = 0
    const firstText = Math.min(...Object.values(run.providers).map((seen) => seen.firstTextAt ?? Infinity))
    for (const provider of Object.keys(plan.expected) as ProviderId[]) {
      figures.providerResults++
      const seen = run.providers[provider]
      const call = callOf.get(`${plan.label} ${provider}`)
      if (call?.lastByteAt) slowestLastByte = Math.max(slowestLastByte, call.lastByteAt)
      if (!seen || seen.finalStatus !== 'done' || seen.finalText !== plan.expected[provider]) {
        figures.lost++
        const reason = !call ? 'never called' : !seen?.finalStatus ? 'not final in time' : seen.finalStatus !== 'done' ? `${seen.finalStatus}: ${seen.errorCode ?? '?'}` : 'wrong text'
        figures.lostReasons[reason] = (figures.lostReasons[reason] ?? 0) + 1
        if (figures.lostExamples.length < 5) {
          figures.lostExamples.push(`${plan.label} ${provider}: ${seen?.finalStatus ?? 'never final'}${seen?.errorCode ? ` (${seen.errorCode}: ${seen.errorMessage ?? ''})` : ''}${run.error ? `; ${run.error}` : ''}${call ? '' : '; never called'}`)
        }
        continue
      }
      if (call?.lastByteAt !== undefined && seen.finalAt !== undefined) figures.finalStalenessMs.push(seen.finalAt - call.lastByteAt)
      if (seen.responseAt !== undefined && seen.finalAt !== undefined) figures.finalProcessingMs.push(seen.finalAt - seen.responseAt)
      if (call?.firstByteAt !== undefined && seen.firstTextAt !== undefined) figures.firstStalenessMs.push(seen.firstTextAt - call.firstByteAt)
    }
    if (run.finalAt && run.finalStatus === 'completed' && slowestLastByte) figures.completionOverheadMs.push(run.finalAt - slowestLastByte)
    if (run.acceptedAt && Number.isFinite(firstText)) figures.firstTextAfter202Ms.push(firstText - run.acceptedAt)
    const runStart = Math.min(...Object.values(run.providers).map((seen) => seen.startedAt ?? Infinity))
    if (run.acceptedAt && Number.isFinite(runStart)) figures.runStartAfter202Ms.push(runStart - run.acceptedAt)
    const requests = Object.values(run.statusRequests).reduce((a, b) => a + b, 0)
    if (run.finalAt && run.acceptedAt && run.finalAt > run.acceptedAt) figures.statusRequestsPerSecond.push(requests / ((run.finalAt - run.acceptedAt) / 1000))
  })
  figures.wallMs = lastFinal > firstPost ? lastFinal - firstPost : NaN
  return figures
}
