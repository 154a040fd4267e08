/**
 * Reads a chat's status from its blobs, and waits for the next change when asked to.
 *
 * One listing of the chat's prefix tells which blobs exist; a warm instance keeps every result and
 * pick it has read by ETag, and the chat and turn blobs for good (they never change), so a poll that
 * finds nothing new costs one list. Finished turns never change again: `?turns=latest` shows them
 * from the summaries the latest turn's blob carries and reads none of their results.
 */
import { chatStatus, completedAt, isTurnFinal, queuedResult, totalCost } from '../shared/status.ts'
import { isFinal, type ProviderResult, type StatusDocument, type Turn } from '../shared/types.ts'
import { attemptRef, latestAttempt, listChat, withMeta, type ChatListing } from './chat-listing.ts'
import { expiredError, loadChat, loadTurn } from './chats.ts'
import { isAppError } from './errors.ts'
import { pickKey, resultKey, retryKey } from './keys.ts'
import type { ChatRecord, StoredResult, TurnView } from './records.ts'
import { lastSign } from './result.ts'
import { sleep } from './sleep.ts'
import { contentHash, decodeVersion, encodeVersion, isBehind, stateOf, type Version } from './status-version.ts'
import type { ChatStore } from './store.ts'

/** Longest a status request may be held open (`wait`), well under the 30 s local and 60 s Netlify limits. */
export const MAX_WAIT_MS = 10_000
/**
 * How often a held request looks for changes: one list each time. Measured with `npm run bench`:
 * 150 ms gave final-text staleness p50 113 ms for 7 lists per held second, 300 ms 190 ms for 4.
 */
export const WAIT_POLL_MS = 250

/** Which turns' results to read: every turn (plain GET, export) or the latest only (`?turns=latest`). */
export type Scope = 'all' | 'latest'

export interface Snapshot {
  chat: ChatRecord
  listing: ChatListing
  /** The latest turn. */
  turn: TurnView
  /** The latest attempt's stored result, per turn and participant (absent until its run writes one). */
  stored: Map<number, Map<string, StoredResult>>
  /** Each turn's pick, when one was made. */
  picks: Map<number, string>
  /** When each retried, not yet claimed attempt of the latest turn was asked for (its queue time), by participant. */
  retried: Map<string, string>
  scope: Scope
}

// Results and picks this instance has read, by key, with the listed ETag they were read at.
const readCache = new Map<string, { etag: string; data: unknown }>()
const READ_CACHE_SIZE = 4000

async function readCached<T>(store: ChatStore, key: string, listedEtag: string | undefined): Promise<T | null> {
  const cached = readCache.get(key)
  if (cached && listedEtag !== undefined && cached.etag === listedEtag) return cached.data as T
  const found = await store.getJSONWithEtag<T>(key)
  if (!found) return null
  const etag = listedEtag ?? found.etag
  if (etag) {
    readCache.delete(key)
    readCache.set(key, { etag, data: found.data })
    if (readCache.size > READ_CACHE_SIZE) readCache.delete(readCache.keys().next().value!)
  }
  return found.data
}

/** The participants of a turn: the latest turn's own list, earlier ones from its summaries. */
export function participantsOf(snapshot: Pick<Snapshot, 'chat' | 'turn'>, turn: number): string[] {
  if (turn === snapshot.turn.turn) return snapshot.turn.participants
  return snapshot.turn.earlier.find((summary) => summary.turn === turn)?.participants ?? snapshot.chat.participants.map((p) => p.id)
}

/**
 * Reads the results of the turns in scope. A participant missing from the listing is read directly
 * (the local blob server's listing can miss a blob that is being rewritten).
 */
async function readTurnResults(store: ChatStore, snapshot: Omit<Snapshot, 'stored' | 'picks' | 'retried'>): Promise<Snapshot['stored']> {
  const { chat, listing, turn } = snapshot
  const turns = snapshot.scope === 'all' ? Array.from({ length: turn.turn }, (_, i) => i + 1) : [turn.turn]
  const stored: Snapshot['stored'] = new Map()
  await Promise.all(
    turns.flatMap((t) => {
      const results = new Map<string, StoredResult>()
      stored.set(t, results)
      return participantsOf(snapshot, t).map(async (participant) => {
        const key = resultKey(chat.chatId, t, participant, latestAttempt(listing, t, participant))
        const found = await readCached<StoredResult>(store, key, listing.results.get(key))
        if (found) results.set(participant, found)
      })
    }),
  )
  return stored
}

async function readPicks(store: ChatStore, chatId: string, listing: ChatListing): Promise<Snapshot['picks']> {
  const picks: Snapshot['picks'] = new Map()
  await Promise.all(
    [...listing.picks].map(async ([turn, etag]) => {
      const pick = await readCached<{ participant: string | null }>(store, pickKey(chatId, turn), etag)
      if (pick?.participant) picks.set(turn, pick.participant)
    }),
  )
  return picks
}

/** Everything the document is built from, read from one listing. */
export async function readSnapshot(store: ChatStore, chatId: string, options: { scope?: Scope; listing?: ChatListing; chat?: ChatRecord } = {}): Promise<Snapshot> {
  const listing = options.listing ?? (await listChat(store, chatId))
  const chat = options.chat ?? (await loadChat(store, chatId, listing.hasRequest))
  let turn = await loadTurn(store, chat, listing.latestTurn)
  // A turn blob listed but unreadable can only be one cleanup is deleting: show the one before.
  for (let n = listing.latestTurn - 1; !turn && n >= 1; n--) turn = await loadTurn(store, chat, n)
  const base = { chat, listing, turn: turn!, scope: options.scope ?? 'all' }
  const [stored, picks] = await Promise.all([readTurnResults(store, base), readPicks(store, chatId, listing)])
  return { ...base, stored, picks, retried: await readRetried(store, { ...base, stored }) }
}

/**
 * A retried attempt that no run has claimed yet was queued when the retry was asked for: one read of
 * its retry marker (rare, and only until the run claims it).
 */
async function readRetried(store: ChatStore, snapshot: Omit<Snapshot, 'picks' | 'retried'>): Promise<Snapshot['retried']> {
  const { chat, listing, turn } = snapshot
  const retried: Snapshot['retried'] = new Map()
  await Promise.all(
    turn.participants.map(async (id) => {
      const attempt = latestAttempt(listing, turn.turn, id)
      if (attempt === 1 || snapshot.stored.get(turn.turn)?.has(id)) return
      const marker = await readCached<{ at: string }>(store, retryKey(chat.chatId, turn.turn, id, attempt), undefined)
      if (marker) retried.set(id, marker.at)
    }),
  )
  return retried
}

const visible = ({ runId: _runId, ...result }: StoredResult): ProviderResult => ({ cost: null, ...result })

/** The latest turn's results as stored (a participant without a blob yet is queued). */
export function storedResults(snapshot: Snapshot, turn = snapshot.turn.turn): Record<string, ProviderResult> {
  const { chat, listing } = snapshot
  const results: Record<string, ProviderResult> = {}
  const latest = turn === snapshot.turn.turn
  const queuedAt = latest ? snapshot.turn.createdAt : chat.createdAt
  for (const id of participantsOf(snapshot, turn)) {
    const found = snapshot.stored.get(turn)?.get(id)
    const participant = chat.participants.find((p) => p.id === id)!
    results[id] = found
      ? visible(found)
      : queuedResult(participant, (latest && snapshot.retried.get(id)) || queuedAt, { attempt: latestAttempt(listing, turn, id), demo: chat.demo })
  }
  return results
}

/**
 * An earlier turn's results as they ended. The next turn began only once every participant was
 * final as shown, and a verdict worked out on read (stalled, cancelled) was never written, so a
 * result still running in its blob is shown as that verdict.
 */
function frozenResults(snapshot: Snapshot, turn: number, endedAt: string | null): Record<string, ProviderResult> {
  const results = storedResults(snapshot, turn)
  for (const [id, result] of Object.entries(results)) {
    if (isFinal(result.status)) continue
    const finishedAt = endedAt ?? new Date(lastSign(result)).toISOString()
    const cancelled = snapshot.listing.cancels.has(attemptRef(turn, id, result.attempt))
    results[id] = cancelled
      ? { ...result, status: 'cancelled', timings: { ...result.timings, finishedAt } }
      : { ...result, status: 'error', ok: false, timings: { ...result.timings, finishedAt }, error: { code: 'stalled', message: 'This participant stopped responding.', retryable: false } }
  }
  return results
}

/** The latest turn's results to show, and when time alone (a run going silent) may change them. */
export interface Review {
  results: Record<string, ProviderResult>
  reviewAt: number | null
}

export type Reviewer = (snapshot: Snapshot) => Promise<Review>

/** No stall or cancel rules: the results as stored. */
export const asStored: Reviewer = async (snapshot) => ({ results: storedResults(snapshot), reviewAt: null })

/** True while a participant of the latest turn is still queued or streaming and not silent. */
const running = (results: Record<string, ProviderResult>) => Object.values(results).some((result) => !isFinal(result.status))

/**
 * When a chat expires: its time to live after its latest turn, or after the latest retry in that turn
 * (an answer finishing after the turn's own expiry is still shown for a while).
 */
export function expiryOf(turn: TurnView, results: Record<string, ProviderResult>): string {
  const ttl = Date.parse(turn.expiresAt) - Date.parse(turn.createdAt)
  const queued = Math.max(...Object.values(results).map((result) => Date.parse(result.timings.queuedAt)).filter(Number.isFinite))
  return Number.isFinite(queued) && queued + ttl > Date.parse(turn.expiresAt) ? new Date(queued + ttl).toISOString() : turn.expiresAt
}

/**
 * The status document. A chat expires `AI_CHAT_TTL_SECONDS` after its latest turn, but never while
 * it runs: a running chat can always be read and cancelled.
 */
export function documentOf(snapshot: Snapshot, review: Review, now = Date.now()): StatusDocument {
  const { chat, turn } = snapshot
  const { results } = review
  const list = Object.values(results)
  const expiresAt = expiryOf(turn, results)
  if (now > Date.parse(expiresAt) && !running(results)) throw expiredError(expiresAt)

  const pickOf = (n: number) => snapshot.picks.get(n) ?? null
  const turns: Turn[] = turn.earlier.map((summary) => ({
    turn: summary.turn,
    message: summary.message,
    createdAt: summary.createdAt,
    status: summary.status,
    completedAt: summary.completedAt,
    pick: pickOf(summary.turn),
    participants: summary.participants,
    totalCostUsd: summary.totalCostUsd,
    ...(snapshot.scope === 'all' ? { results: frozenResults(snapshot, summary.turn, summary.completedAt) } : {}),
  }))
  const latestCost = totalCost(list.map((result) => result.cost))
  turns.push({
    turn: turn.turn,
    message: turn.message,
    createdAt: turn.createdAt,
    status: chatStatus(list),
    completedAt: completedAt(list),
    pick: pickOf(turn.turn),
    participants: turn.participants,
    totalCostUsd: latestCost,
    results,
  })

  const version: Version = {
    turn: turn.turn,
    participants: turn.participants.map((id) => ({ attempt: results[id]!.attempt, status: results[id]!.status })),
    // What the document shows: the latest turn's results, and every turn's summary and pick.
    hash: contentHash([results, turns.map(({ results: _results, ...summary }) => summary)]),
    reviewAt: review.reviewAt,
  }
  return {
    success: true,
    chatId: chat.chatId,
    status: chatStatus(list),
    results,
    request: {
      message: chat.message,
      ...(chat.system !== undefined ? { system: chat.system } : {}),
      ...(chat.temperature !== undefined ? { temperature: chat.temperature } : {}),
      maxTokens: chat.maxTokens,
    },
    demo: chat.demo,
    createdAt: chat.createdAt,
    completedAt: completedAt(list),
    expiresAt,
    version: encodeVersion(version),
    participants: chat.participants.map(({ id, provider, model, label, params }) => ({ id, provider, model, label, params })),
    totalCostUsd: totalCost([...turn.earlier.map((summary) => summary.totalCostUsd), latestCost]),
    turns,
  }
}

export type StatusAnswer = { changed: true; document: StatusDocument } | { changed: false; version: string }

export interface StatusQuery {
  /** The version the caller already has (`since` or `If-None-Match`). */
  since?: string
  /** Hold the request up to this long while nothing changes (ms, at most `MAX_WAIT_MS`). */
  waitMs?: number
  scope?: Scope
  /** Turns the results just read into the ones to show (the stall check plugs in here). */
  review?: Reviewer
  /** The caller went away: stop holding the request. */
  signal?: AbortSignal
}

const listingKey = (listing: ChatListing) => listing.blobs.map(({ key, etag }) => `${key} ${etag}`).sort().join('\n')

/**
 * The current document, read from one listing; read again from two merged listings when the first
 * would show the chat final, or behind what the caller has already seen (see chat-listing.ts).
 */
export async function currentDocument(store: ChatStore, chatId: string, options: { scope?: Scope; review?: Reviewer; seen?: Version | null; listing?: ChatListing; chat?: ChatRecord } = {}) {
  const review = options.review ?? asStored
  let snapshot = await readSnapshot(store, chatId, options)
  let document: StatusDocument
  try {
    document = documentOf(snapshot, await review(snapshot))
  } catch (error) {
    // Called expired from a listing that may have missed a later turn (local blob server): look again.
    if (!isAppError(error, 'expired')) throw error
    snapshot = await readSnapshot(store, chatId, { ...options, listing: await withMeta(store, chatId, snapshot.listing), chat: snapshot.chat })
    return { snapshot, document: documentOf(snapshot, await review(snapshot)) }
  }
  const shown = decodeVersion(document.version)!
  const { seen } = options
  // Worth a second look: a chat about to be called final (unless the caller already knows it so),
  // or a picture behind what the caller has already seen.
  const newlyFinal = isTurnFinal(document.status) && !(seen && stateOf(seen) === stateOf(shown))
  if (newlyFinal || (seen && isBehind(shown, seen))) {
    const listing = await withMeta(store, chatId, snapshot.listing)
    if (listingKey(listing) !== listingKey(snapshot.listing)) {
      snapshot = await readSnapshot(store, chatId, { ...options, listing, chat: snapshot.chat })
      document = documentOf(snapshot, await review(snapshot))
    }
  }
  return { snapshot, document }
}

/**
 * The status document, or "not changed" when the caller's version is still current.
 *
 * With `waitMs`, the request is held until a participant changes state (starts streaming, finishes,
 * fails, is cancelled or retried, a new turn starts) and then answered at once; text that grows
 * meanwhile is sent when the wait ends, so a client that waits about two seconds gets every state
 * change as it happens and the growing text every two seconds, in one request. A chat whose latest
 * turn is final is answered at once.
 */
export async function readStatus(store: ChatStore, chatId: string, query: StatusQuery = {}): Promise<StatusAnswer> {
  const since = query.since ? decodeVersion(query.since) : null
  const waitUntil = Date.now() + Math.min(Math.max(query.waitMs ?? 0, 0), MAX_WAIT_MS)
  // False when the caller went away: nobody is waiting for an answer any more.
  const pause = () => sleep(WAIT_POLL_MS, query.signal).then(() => true, () => false)
  const options = { scope: query.scope ?? 'all', review: query.review ?? asStored, seen: since }

  let { snapshot, document } = await currentDocument(store, chatId, options)
  if (since) {
    const sameState = () => stateOf(decodeVersion(document.version)!) === stateOf(since)
    const validUntil = since.reviewAt ?? Infinity
    while (sameState() && !isTurnFinal(document.status) && Date.now() + WAIT_POLL_MS <= waitUntil && Date.now() < validUntil) {
      if (!(await pause())) return { changed: false, version: query.since! }
      const listing = await listChat(store, chatId)
      if (listingKey(listing) === listingKey(snapshot.listing) && Date.now() < (decodeVersion(document.version)!.reviewAt ?? Infinity)) continue
      ;({ snapshot, document } = await currentDocument(store, chatId, { ...options, listing, chat: snapshot.chat }))
    }
    if (document.version === query.since) return { changed: false, version: query.since }
  }
  return { changed: true, document }
}
