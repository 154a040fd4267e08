/**
 * Owns one result blob while its run streams: throttles text writes, keeps a heartbeat, and makes
 * every write conditional on the previous one, so a run that was taken over learns it at its next
 * write. One writer per blob: nothing else ever writes a claimed result.
 */
import { describeError, log } from './log.ts'
import type { StoredResult } from './records.ts'
import { heartbeatMs } from './result.ts'
import type { ChatStore } from './store.ts'

/** Text writes while streaming: the first delta at once, then at most this often. */
export const WRITE_INTERVAL_MS = 400

const nowIso = () => new Date().toISOString()

export interface ResultWriterOptions {
  store: ChatStore
  key: string
  /** The claimed document; the writer keeps it up to date. */
  doc: StoredResult
  /** The claim's ETag: every write is conditional on the writer's own last one. */
  etag: string
  /** Called once when the blob turns out to be someone else's, or this run has been silent too long. */
  onLost: () => void
  stallSeconds: number
  /** The clock (tests move it). */
  now?: () => number
}

export class ResultWriter {
  #etag: string
  #chain: Promise<void> = Promise.resolve()
  #timer: ReturnType<typeof setTimeout> | undefined
  #heartbeat: ReturnType<typeof setInterval>
  #lastWriteAt: number
  #dirty = false
  lost = false
  readonly doc: StoredResult
  readonly #store: ChatStore
  readonly #key: string
  readonly #onLost: () => void
  readonly #stallMs: number
  readonly #now: () => number

  constructor({ store, key, doc, etag, onLost, stallSeconds, now = Date.now }: ResultWriterOptions) {
    const heartbeat = heartbeatMs(stallSeconds)
    this.#stallMs = stallSeconds * 1000
    this.#store = store
    this.#key = key
    this.doc = doc
    this.#onLost = onLost
    this.#etag = etag
    this.#now = now
    this.#lastWriteAt = now()
    // A heartbeat, even while waiting for a first token: silence then means a dead run.
    this.#heartbeat = setInterval(() => {
      if (this.#now() - this.#lastWriteAt >= heartbeat * 0.9) {
        this.#dirty = true
        void this.flush()
      }
    }, heartbeat / 2)
  }

  /** Records a change; it is written within `WRITE_INTERVAL_MS`. */
  update(patch: Partial<StoredResult>): void {
    Object.assign(this.doc, patch)
    this.#dirty = true
    if (this.#timer) return
    const wait = Math.max(0, this.#lastWriteAt + WRITE_INTERVAL_MS - this.#now())
    this.#timer = setTimeout(() => void this.flush(), wait)
  }

  /** Writes the latest state now (after any write in flight). */
  flush(patch: Partial<StoredResult> = {}): Promise<void> {
    Object.assign(this.doc, patch)
    this.#dirty = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#chain = this.#chain.then(() => this.#write())
    return this.#chain
  }

  /**
   * Writes the final state, retrying a failed write for as long as this run may still count as alive
   * (a stall period since its last write): a finished answer must not be dropped.
   */
  async finish(patch: Partial<StoredResult>): Promise<void> {
    clearInterval(this.#heartbeat)
    for (let attempt = 0; ; attempt++) {
      await this.flush(patch)
      if (!this.#dirty || this.lost) return
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 200 * 2 ** attempt)))
    }
  }

  stop(): void {
    clearInterval(this.#heartbeat)
    clearTimeout(this.#timer)
  }

  #lose(): void {
    this.lost = true
    this.stop()
    this.#onLost()
  }

  async #write(): Promise<void> {
    if (this.lost || !this.#dirty) return
    // Silent for a stall period (writes failing, or the process starved): status reads may have
    // re-triggered this attempt or shown it as stalled, so this run must not come back to life.
    if (this.#now() - this.#lastWriteAt > this.#stallMs) return this.#lose()
    this.#dirty = false
    const snapshot: StoredResult = { ...this.doc, updatedAt: nowIso() }
    try {
      // Always conditional on our own last write: if anyone else wrote since, this run no longer owns the blob.
      const result = await this.#store.setJSON(this.#key, snapshot, { onlyIfMatch: this.#etag })
      if (!result.modified) return this.#lose()
      this.#etag = result.etag!
      this.#lastWriteAt = this.#now()
      this.doc.updatedAt = snapshot.updatedAt
    } catch (error) {
      this.#dirty = true
      log.warn('result_write_failed', { key: this.#key, error: describeError(error) })
    }
  }
}
