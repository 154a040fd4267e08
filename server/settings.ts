/** Every setting the server reads from the environment, with its default. Read per call so tests can change them. */
import { PROVIDER_IDS, PROVIDERS, type Env, type ProviderId } from '../shared/catalogue.ts'

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name]?.trim()
  if (!raw) return fallback
  const value = Number(raw)
  return Number.isFinite(value) && value >= min ? Math.floor(value) : fallback
}

function flag(env: Env, name: string): boolean {
  return /^(1|true|yes|on)$/i.test(env[name]?.trim() ?? '')
}

/** The first of a provider's key variables that is set, if any. */
export function providerKey(id: ProviderId, env: Env): string | undefined {
  for (const name of PROVIDERS[id].keyEnv) {
    const value = env[name]?.trim()
    if (value) return value
  }
  return undefined
}

export interface Settings {
  /** Simulated providers: `AI_CHAT_DEMO=1`, or no provider key at all. */
  demo: boolean
  /** Providers that can be called: all in demo mode, else those with a key. */
  configured: ProviderId[]
  /** `AI_CHAT_MODE=sync` makes `POST /api/ai/chat` answer when the providers finished (the rollback path). */
  defaultMode: 'background' | 'sync'
  maxBodyBytes: number
  maxMessageChars: number
  maxOutputTokens: number
  ttlSeconds: number
  providerTimeoutMs: number
  syncDeadlineMs: number
  /** A running provider silent for this long is considered dead (its run is re-triggered once, then `stalled`). */
  stallSeconds: number
  /** Calls per attempt when a provider fails before its first byte with a transient error (1 = no retry). */
  maxProviderCalls: number
  /** First backoff between those calls; doubles each time, with jitter. */
  retryBaseMs: number
  /** Chats one client IP may have running at once (`AI_CHAT_MAX_ACTIVE_PER_IP`). */
  maxActivePerIp: number
}

export function settings(env: Env = process.env): Settings {
  const keyed = PROVIDER_IDS.filter((id) => providerKey(id, env))
  const demo = flag(env, 'AI_CHAT_DEMO') || keyed.length === 0
  return {
    demo,
    configured: demo ? [...PROVIDER_IDS] : keyed,
    defaultMode: env.AI_CHAT_MODE?.trim().toLowerCase() === 'sync' ? 'sync' : 'background',
    maxBodyBytes: 64 * 1024,
    maxMessageChars: int(env, 'AI_CHAT_MAX_MESSAGE_CHARS', 32_000, 1),
    maxOutputTokens: int(env, 'AI_CHAT_MAX_OUTPUT_TOKENS', 4096, 1),
    ttlSeconds: int(env, 'AI_CHAT_TTL_SECONDS', 3600, 1),
    providerTimeoutMs: int(env, 'AI_CHAT_PROVIDER_TIMEOUT_MS', 120_000, 1),
    syncDeadlineMs: int(env, 'AI_CHAT_SYNC_DEADLINE_MS', 25_000, 1),
    stallSeconds: int(env, 'AI_CHAT_STALL_SECONDS', 30, 1),
    maxProviderCalls: int(env, 'AI_CHAT_PROVIDER_MAX_CALLS', 3, 1),
    retryBaseMs: int(env, 'AI_CHAT_RETRY_BASE_MS', 500, 0),
    maxActivePerIp: int(env, 'AI_CHAT_MAX_ACTIVE_PER_IP', 3, 1),
  }
}
