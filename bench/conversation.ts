/**
 * Conversations: chats of many turns, each turn sent from the open session once the previous one is
 * final (client.ts `runConversation`, the page's own follow-up path). Every turn has its own reply
 * scripts, labelled `<batch>-t<n>#<conversation>`, so the fake's log ties each provider call to one
 * turn of one conversation; a follow-up's request carries the whole history, and the fake reads the
 * last script in it (the current turn's).
 */
import { runConversation, visitorIp, type ChatRun } from './client.ts'
import { fetchCalls } from './fake-providers.ts'
import { analyseBatch, planChats, type BatchFigures, type ChatPlan, type Profile } from './workload.ts'

export interface TurnFigures {
  turn: number
  figures: BatchFigures
}

export interface ConversationRun {
  conversations: number
  turns: number
  /** One entry per turn number, over every conversation. */
  perTurn: TurnFigures[]
  /** The chat ids, in conversation order. */
  chatIds: Array<string | undefined>
  /** Turns each conversation saw completed. */
  completedTurns: number[]
  /** Why a conversation stopped before its last turn. */
  errors: string[]
}

/** Runs `count` conversations of `turns` turns at once, each its own visitor. */
export async function runConversations(options: {
  origin: string
  fakeUrl: string
  count: number
  turns: number
  profile: Profile
  seed: number
  label: string
  ipPrefix: string
  /** `x-bench-tag` of their requests (the warm functions count their costs under it). */
  tag?: string
  timeoutMs: number
}): Promise<ConversationRun> {
  const seq = (await fetchCalls(options.fakeUrl)).reduce((max, call) => Math.max(max, call.seq), 0)
  // plans[turn][conversation]
  const plans: ChatPlan[][] = Array.from({ length: options.turns }, (_, t) => planChats(`${options.label}-t${t + 1}`, options.count, options.profile, options.seed + t))
  const runs = await Promise.all(
    Array.from({ length: options.count }, (_, c) =>
      runConversation({
        origin: options.origin,
        ip: visitorIp(c, options.ipPrefix),
        timeoutMs: options.timeoutMs,
        ...(options.tag ? { tag: options.tag } : {}),
        turns: plans.map((turn) => ({ label: turn[c]!.label, body: turn[c]!.body })),
      }),
    ),
  )
  const calls = await fetchCalls(options.fakeUrl, seq)
  const perTurn = plans.map((turnPlans, t) => {
    const turnRuns = turnPlans.map((plan, c): ChatRun => runs[c]![t] ?? { label: plan.label, turn: t + 1, postStartedAt: NaN, providers: {}, statusRequests: {}, error: runs[c]!.at(-1)?.error ?? 'an earlier turn did not complete' })
    return { turn: t + 1, figures: analyseBatch(turnPlans, turnRuns, calls) }
  })
  return {
    conversations: options.count,
    turns: options.turns,
    perTurn,
    chatIds: runs.map((conversation) => conversation[0]?.chatId),
    completedTurns: runs.map((conversation) => conversation.filter((run) => run.finalStatus === 'completed').length),
    errors: runs.flatMap((conversation) => conversation.filter((run) => run.error).map((run) => `${run.label}: ${run.error}`)).slice(0, 5),
  }
}
