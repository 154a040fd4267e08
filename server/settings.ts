/** Every setting the server reads from the environment, with its default. Read per call so tests can change them. */
import type { Env } from '../shared/catalogue.ts'
import { log } from './log.ts'
import { resolveProviders, type ProviderDefinition } from './providers/registry.ts'

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name]?.trim()
  if (!raw) return fallback
  const value = Number(raw)
  return Number.isFinite(value) && value >= min ? Math.floor(value) : fallback
}

function flag(env: Env, name: string): boolean {
  return /^(1|true|yes|on)$/i.test(env[name]?.trim() ?? '')
}

export interface Settings {
  /** Simulated providers: `AI_CHAT_DEMO=1`, or no provider usable (no key, no valid compatible definition). */
  demo: boolean
  /** Every known provider, in display order (built-ins, then compatible ones). */
  providers: ProviderDefinition[]
  /** Ids of the providers a chat may ask: all valid ones in demo mode, else the usable ones. */
  configured: string[]
  /** `AI_CHAT_MODE=sync` makes `POST /api/ai/chat` answer when the providers finished (the rollback path). */
  defaultMode: 'background' | 'sync'
  maxBodyBytes: number
  maxMessageChars: number
  maxOutputTokens: number
  /** Participants per chat (`AI_CHAT_MAX_PARTICIPANTS`, 1-8). */
  maxParticipants: number
  /** Longest answer kept, in characters: the provider call stops there (`truncated: true`). */
  maxAnswerChars: number
  /** Turns per chat, the first included. */
  maxTurns: number
  /** Longest history (system prompt, messages and one participant's answers) a turn may send, in characters. */
  maxContextChars: number
  ttlSeconds: number
  providerTimeoutMs: number
  syncDeadlineMs: number
  /** A running provider silent for this long is considered dead (its run is re-triggered once, then `stalled`). */
  stallSeconds: number
  /** Calls per attempt when a provider fails before its first byte with a transient error (1 = no retry). */
  maxProviderCalls: number
  /** First backoff between those calls; doubles each time, with jitter. */
  retryBaseMs: number
  /** Running chats (and turns, and retries) one client may have at once (`AI_CHAT_MAX_ACTIVE_PER_IP`). */
  maxActivePerIp: number
}

/** The largest number of participants a chat may have, whatever `AI_CHAT_MAX_PARTICIPANTS` says. */
export const PARTICIPANTS_CEILING = 8

/**
 * The status and export documents must stay under Netlify's 6 MB response limit: a turn that could
 * take the document past this many UTF-8 bytes is refused (turns.ts).
 */
export const DOCUMENT_BUDGET_BYTES = 5_000_000

/** An answer also stops at three UTF-8 bytes per allowed character (text of any script fits; emoji-heavy text stops earlier). */
export const answerMaxBytes = (config: Pick<Settings, 'maxAnswerChars'>) => config.maxAnswerChars * 3

/**
 * Bytes one answer may add to the status document at most: its byte cap, counted twice (the latest
 * turn's results appear in `results` and in `turns`).
 */
export const answerBudgetBytes = (config: Pick<Settings, 'maxAnswerChars'>) => answerMaxBytes(config) * 2

export function settings(env: Env = process.env): Settings {
  const providers = resolveProviders(env)
  const usable = providers.filter((p) => p.usable).map((p) => p.id)
  const demo = flag(env, 'AI_CHAT_DEMO') || usable.length === 0
  // In demo mode every provider with a valid definition is simulated: the built-ins need no key then.
  const configured = demo ? providers.filter((p) => !p.compatible || p.usable).map((p) => p.id) : usable
  const providerTimeoutMs = int(env, 'AI_CHAT_PROVIDER_TIMEOUT_MS', 120_000, 1)
  const stallSeconds = int(env, 'AI_CHAT_STALL_SECONDS', 30, 1)
  return {
    demo,
    providers,
    configured,
    defaultMode: env.AI_CHAT_MODE?.trim().toLowerCase() === 'sync' ? 'sync' : 'background',
    maxBodyBytes: 64 * 1024,
    maxMessageChars: int(env, 'AI_CHAT_MAX_MESSAGE_CHARS', 32_000, 1),
    maxOutputTokens: int(env, 'AI_CHAT_MAX_OUTPUT_TOKENS', 4096, 1),
    maxParticipants: Math.min(PARTICIPANTS_CEILING, int(env, 'AI_CHAT_MAX_PARTICIPANTS', PARTICIPANTS_CEILING, 1)),
    // A first turn with every participant at its cap must fit the document budget.
    maxAnswerChars: Math.min(int(env, 'AI_CHAT_MAX_ANSWER_CHARS', 100_000, 1), Math.floor(DOCUMENT_BUDGET_BYTES / (PARTICIPANTS_CEILING * 6 + 1))),
    maxTurns: int(env, 'AI_CHAT_MAX_TURNS', 20, 1),
    maxContextChars: int(env, 'AI_CHAT_MAX_CONTEXT_CHARS', 200_000, 1),
    ttlSeconds: int(env, 'AI_CHAT_TTL_SECONDS', 3600, 1),
    providerTimeoutMs,
    syncDeadlineMs: int(env, 'AI_CHAT_SYNC_DEADLINE_MS', 25_000, 1),
    stallSeconds,
    maxProviderCalls: int(env, 'AI_CHAT_PROVIDER_MAX_CALLS', 3, 1),
    retryBaseMs: int(env, 'AI_CHAT_RETRY_BASE_MS', 500, 0),
    maxActivePerIp: int(env, 'AI_CHAT_MAX_ACTIVE_PER_IP', 3, 1),
  }
}

/** The provider of an id, if this server knows it. */
export function providerById(config: Pick<Settings, 'providers'>, id: string): ProviderDefinition | undefined {
  return config.providers.find((provider) => provider.id === id)
}

