/**
 * Reads a chat's status from its blobs, and waits for the next change when asked to.
 *
 * A version is `<state>-<hash>[-<reviewAt>]`: the state names each provider's attempt and status
 * (`1d1s1q`), the hash covers every blob key and ETag in the chat's listing, and `reviewAt` says
 * when a silent run would change what is shown (see recovery.ts). A plain poll (no `wait`) that
 * brings back the version it already has costs one list (plus the chat blob, unless this instance
 * has it cached) and reads no result; a held poll lists again every `WAIT_POLL_MS`.
 */
import type { ProviderId } from '../shared/catalogue.ts'
import { chatPrefix, resultKey } from '../shared/keys.ts'
import { queuedResult, statusDocument } from '../shared/status.ts'
import { isFinal, type ChatRecord, type ProviderResult, type StatusDocument } from '../shared/types.ts'
import { readChatFiles, type ChatFiles } from './chat-files.ts'
import { loadChat } from './chats.ts'
import type { StoredResult } from './result.ts'
import { sleep } from './sleep.ts'
import type { ChatStore } from './store.ts'

/** Longest a status request may be held open (`wait`), well under the 30 s local and 60 s Netlify limits. */
export const MAX_WAIT_MS = 10_000
/**
 * How often a held request looks for changes: one list each time. Measured with `npm run bench`:
 * 150 ms gave final-text staleness p50 113 ms for 7 lists per held second, 300 ms 190 ms for 4.
 */
export const WAIT_POLL_MS = 250

export interface Snapshot {
  chat: ChatRecord
  files: ChatFiles
  /** Hash of every key and ETag in the chat's listing. */
  listingHash: string
  /** The latest attempt's stored result per provider (absent until its run writes one). */
  stored: Partial<Record<ProviderId, StoredResult>>
  /** The listed ETag each stored result was read at. */
  etags: Partial<Record<ProviderId, string>>
}

function fnv(parts: readonly string[]): string {
  let h = 0x811c9dc5
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193)
    h = Math.imul(h ^ 10, 0x01000193)
  }
  return (h >>> 0).toString(36)
}

async function listChat(store: ChatStore, chatId: string) {
  const blobs = await store.list(chatPrefix(chatId))
  const listingHash = fnv(blobs.map(({ key, etag }) => `${key} ${etag}`).sort())
  return { files: readChatFiles(chatId, blobs), listingHash }
}

/**
 * Reads the results that changed since `previous` (all of them without it). A requested provider
 * missing from the listing is read directly when it may exist: a listing can miss a blob that is
 * being rewritten.
 */
async function readResults(
  store: ChatStore,
  chat: ChatRecord,
  files: ChatFiles,
  previous: Snapshot | undefined,
): Promise<Pick<Snapshot, 'stored' | 'etags'>> {
  const stored: Snapshot['stored'] = {}
  const etags: Snapshot['etags'] = {}
  await Promise.all(
    chat.providers.map(async (provider) => {
      const attempt = files.latest[provider]
      const key = resultKey(chat.chatId, provider, attempt)
      const listed = files.results.get(key)
      const known = previous?.stored[provider]?.attempt === attempt ? previous.stored[provider] : undefined
      if (known && listed !== undefined && previous?.etags[provider] === listed) {
        stored[provider] = known
        etags[provider] = listed
        return
      }
      if (listed === undefined && previous && !known) return
      const found = await store.getJSONWithEtag<StoredResult>(key)
      if (found) {
        stored[provider] = found.data
        etags[provider] = listed ?? found.etag ?? ''
      }
    }),
  )
  return { stored, etags }
}

export async function readSnapshot(store: ChatStore, chatId: string, previous?: Snapshot): Promise<Snapshot> {
  const { files, listingHash } = await listChat(store, chatId)
  const chat = previous?.chat ?? (await loadChat(store, chatId, files.hasRequest))
  return { chat, files, listingHash, ...(await readResults(store, chat, files, previous)) }
}

const LETTER: Record<ProviderResult['status'], string> = { queued: 'q', streaming: 's', done: 'd', error: 'e', cancelled: 'c' }

/** The latest public result of each requested provider. */
export function latestResults(snapshot: Snapshot): Partial<Record<ProviderId, ProviderResult>> {
  const { chat, files, stored } = snapshot
  const latest: Partial<Record<ProviderId, ProviderResult>> = {}
  for (const provider of chat.providers) {
    const result = stored[provider]
    if (!result) {
      latest[provider] = queuedResult(chat, provider, files.latest[provider])
      continue
    }
    const { runId: _runId, ...visible } = result
    latest[provider] = visible
  }
  return latest
}

/** The results to show, and when time alone (a run going silent) may change them: epoch ms, or null. */
export interface Review {
  results: Partial<Record<ProviderId, ProviderResult>>
  reviewAt: number | null
}

/**
 * The status document. Its version is `<state>-<hash>[-<reviewAt>]`: each provider's attempt and
 * status, the listing hash, and when the shown state may change without any blob changing.
 */
export function documentOf(snapshot: Snapshot, review: Review = { results: latestResults(snapshot), reviewAt: null }): StatusDocument {
  const { results, reviewAt } = review
  const state = snapshot.chat.providers.map((p) => `${results[p]!.attempt}${LETTER[results[p]!.status]}`).join('')
  const version = `${state}-${snapshot.listingHash}${reviewAt ? `-${reviewAt.toString(36)}` : ''}`
  return statusDocument(snapshot.chat, results, version)
}

const stateOf = (version: string) => version.split('-')[0]
const hashOf = (version: string) => version.split('-')[1]
/** Until when a version stays true if no blob changes (Infinity when only a write can change it). */
const validUntil = (version: string) => {
  const at = parseInt(version.split('-')[2] ?? '', 36)
  return Number.isFinite(at) ? at : Infinity
}

export type StatusAnswer = { changed: true; document: StatusDocument } | { changed: false; version: string }

export interface StatusQuery {
  /** The version the caller already has (`since` or `If-None-Match`). */
  since?: string
  /** Hold the request up to this long while nothing changes (ms, at most `MAX_WAIT_MS`). */
  waitMs?: number
  /** Turns the results just read into the ones to show (the stall check plugs in here). */
  review?: (snapshot: Snapshot) => Promise<Review>
  /** The caller went away: stop holding the request. */
  signal?: AbortSignal
}

/**
 * The status document, or "not changed" when the caller's version is still current.
 *
 * With `waitMs`, the request is held until a provider changes state (starts streaming, finishes,
 * fails, is cancelled or retried) and then answered at once; text that grows meanwhile is sent when
 * the wait ends, so a client that waits about a second gets every state change as it happens and
 * partial text about once a second, in one request per second.
 */
export async function readStatus(store: ChatStore, chatId: string, query: StatusQuery = {}): Promise<StatusAnswer> {
  const { since } = query
  const waitUntil = Date.now() + Math.min(Math.max(query.waitMs ?? 0, 0), MAX_WAIT_MS)
  const review = query.review ?? (async (snapshot: Snapshot): Promise<Review> => ({ results: latestResults(snapshot), reviewAt: null }))
  // False when the caller went away: nobody is waiting for an answer any more.
  const pause = () => sleep(WAIT_POLL_MS, query.signal).then(() => true, () => false)

  // Nothing new since the caller's version: one list (and the chat blob for 404/410), no result read.
  let listing = await listChat(store, chatId)
  const chat = await loadChat(store, chatId, listing.files.hasRequest)
  while (since && hashOf(since) === listing.listingHash && Date.now() < validUntil(since)) {
    if (Date.now() + WAIT_POLL_MS > waitUntil || !(await pause())) return { changed: false, version: since }
    listing = await listChat(store, chatId)
  }

  let snapshot: Snapshot = { chat, ...listing, ...(await readResults(store, chat, listing.files, undefined)) }
  let document = documentOf(snapshot, await review(snapshot))
  while (since && document.version !== since && stateOf(document.version) === stateOf(since) && Date.now() + WAIT_POLL_MS <= waitUntil) {
    if (Object.values(document.results).every((result) => isFinal(result.status))) break
    if (!(await pause())) return { changed: false, version: since }
    const next = await listChat(store, chatId)
    if (next.listingHash === snapshot.listingHash && Date.now() < validUntil(document.version)) continue
    snapshot = { chat, ...next, ...(await readResults(store, chat, next.files, snapshot)) }
    document = documentOf(snapshot, await review(snapshot))
  }
  if (since && document.version === since) return { changed: false, version: since }
  return { changed: true, document }
}
