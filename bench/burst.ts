/**
 * The per-client cap (`AI_CHAT_MAX_ACTIVE_PER_IP`) under a burst: many POSTs from one visitor (one
 * IP) sent in the same instant, each a chat whose provider takes long enough to answer that none
 * has ended before the last POST is answered. The accepted chats are then followed to the end like
 * a page would, so the burst also checks that none of them loses its answer or calls its provider twice.
 */
import { followChat, postChat, type ChatRun } from './client.ts'
import { duplicateCalls, fetchCalls } from './fake-providers.ts'
import { planChats, type Profile } from './workload.ts'

export interface BurstResult {
  posts: number
  cap: number
  /** POSTs answered 202. */
  accepted: number
  /** Answers by HTTP status (0 = network error). */
  statuses: Record<number, number>
  /** The spread of the POSTs' answers: first to last, ms. */
  answeredWithinMs: number
  /** Accepted chats whose answer did not end `done` with its full text. */
  lost: number
  /** Provider calls seen for the burst's chats, and calls beyond one per chat. */
  providerCalls: number
  duplicates: number
  /** Refused POSTs whose chat still reached the provider (must be 0: a refused chat writes nothing). */
  refusedCalled: number
  errors: string[]
}

/** One provider, answering after `delayMs`: long enough that every accepted chat still runs when the burst ends. */
export const burstProfile = (delayMs: number): Profile => ({ ttfbMs: [delayMs, delayMs], chunkMs: [20, 20], chunks: [4, 4] })

export async function runBurst(options: { origin: string; fakeUrl: string; posts: number; cap: number; ip: string; label: string; delayMs: number; timeoutMs: number }): Promise<BurstResult> {
  const plans = planChats(options.label, options.posts, burstProfile(options.delayMs), 41, ['openai'])
  const seq = (await fetchCalls(options.fakeUrl)).reduce((max, call) => Math.max(max, call.seq), 0)
  // Every request is created in the same tick: they leave together.
  const runs = await Promise.all(plans.map((plan) => postChat({ origin: options.origin, label: plan.label, body: plan.body, ip: options.ip })))
  const answered = runs.map((run) => run.acceptedAt ?? NaN).filter(Number.isFinite)
  const statuses: Record<number, number> = {}
  for (const run of runs) statuses[run.postStatus ?? 0] = (statuses[run.postStatus ?? 0] ?? 0) + 1
  const accepted = runs.filter((run) => run.chatId)
  await Promise.all(accepted.map((run) => followChat(run, { origin: options.origin, label: run.label, body: {}, ip: options.ip, timeoutMs: options.timeoutMs })))
  const calls = (await fetchCalls(options.fakeUrl, seq)).filter((call) => call.chat?.startsWith(`${options.label}#`))
  const acceptedLabels = new Set(accepted.map((run) => run.label))
  const lost = accepted.filter((run: ChatRun) => {
    const plan = plans.find((entry) => entry.label === run.label)!
    const seen = run.providers.openai
    return seen?.finalStatus !== 'done' || seen.finalText !== plan.expected.openai
  })
  return {
    posts: options.posts,
    cap: options.cap,
    accepted: accepted.length,
    statuses,
    answeredWithinMs: answered.length ? Math.max(...answered) - Math.min(...answered) : NaN,
    lost: lost.length,
    providerCalls: calls.length,
    duplicates: duplicateCalls(calls),
    refusedCalled: calls.filter((call) => !acceptedLabels.has(call.chat!)).length,
    errors: [...runs.filter((run) => run.postStatus !== 202 && run.postStatus !== 429).map((run) => `${run.label}: ${run.error ?? run.postStatus}`), ...lost.map((run) => `${run.label}: ${run.error ?? run.providers.openai?.finalStatus ?? 'never final'}`)].slice(0, 5),
  }
}
