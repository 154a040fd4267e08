/** What the blobs hold (server-side only; the REST documents are built from these). */
import type { ChatStatus, ProviderParams, ProviderResult } from '../shared/types.ts'

/** One model in a chat, fixed at creation. */
export interface ParticipantRecord {
  id: string
  provider: string
  /** The model asked for (results report the one that served, e.g. a dated snapshot). */
  model: string
  /** The provider's display name when the chat was made. */
  label: string
  /** What it is sent (the chat-level settings with this participant's overrides, within the API's limits). */
  params: ProviderParams
}

/** The chat blob (`…/request`): written once by the POST, read by everything else. It is turn 1. */
export interface ChatRecord {
  chatId: string
  createdAt: string
  /** Expiry of turn 1; a later turn's blob carries the chat's expiry from then on. */
  expiresAt: string
  /** Answered by the simulated providers. */
  demo: boolean
  /** How the POST ran it: `background` (202 + polling) or `sync` (the rollback path). */
  mode: 'background' | 'sync'
  message: string
  system?: string
  temperature?: number
  maxTokens: number
  /** In display order. */
  participants: ParticipantRecord[]
}

/** What the status of a finished turn was when the next one began (finished turns never change again). */
export interface TurnSummary {
  turn: number
  message: string
  createdAt: string
  participants: string[]
  status: ChatStatus
  completedAt: string | null
  totalCostUsd: number | null
}

/** A later turn's blob (`…/turns/<n>`, n ≥ 2): written once by `POST …/messages`. */
export interface TurnRecord {
  chatId: string
  turn: number
  message: string
  /** Who takes this turn, in the chat's participant order. */
  participants: string[]
  createdAt: string
  /** The chat's expiry from this turn on. */
  expiresAt: string
  /** Every earlier turn, as it ended: polls with `?turns=latest` read these instead of their results. */
  earlier: TurnSummary[]
}

/** What a result blob holds: the public result plus the id of the run that owns it. */
export type StoredResult = ProviderResult & { runId: string }

/** A marker blob (retry, cancel, recovery): when it was asked for. */
export interface Marker {
  at: string
}

/** A turn as the runner and readers see it, turn 1 included. */
export type TurnView = Omit<TurnRecord, 'chatId'>

/** Turn 1 of a chat, in the shape of a later turn. */
export function firstTurn(chat: ChatRecord): TurnView {
  return { turn: 1, message: chat.message, participants: chat.participants.map((p) => p.id), createdAt: chat.createdAt, expiresAt: chat.expiresAt, earlier: [] }
}
