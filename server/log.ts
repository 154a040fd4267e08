/**
 * One-line JSON logs. Every value passes through `redact`, which replaces any configured secret
 * (provider keys, compatible providers' keys, the trigger secret, the access token) so none can
 * reach a log line. `setLogSink` lets tests capture lines instead of printing them.
 */
import { BUILT_IN_PROVIDER_IDS, BUILT_IN_PROVIDERS, COMPATIBLE_VARIABLE } from '../shared/catalogue.ts'

const FIXED_SECRET_ENV = [...BUILT_IN_PROVIDER_IDS.flatMap((id) => BUILT_IN_PROVIDERS[id].keyEnv), 'AI_CHAT_SECRET', 'AI_CHAT_ACCESS_TOKEN']

/** The names of every variable that holds a secret (compatible providers' keys included). */
export function secretVariables(env: Record<string, string | undefined> = process.env): string[] {
  return [...FIXED_SECRET_ENV, ...Object.keys(env).filter((name) => COMPATIBLE_VARIABLE.exec(name)?.[2] === 'API_KEY')]
}

export function redact(text: string, env: Record<string, string | undefined> = process.env): string {
  let out = text
  for (const name of secretVariables(env)) {
    const secret = env[name]?.trim()
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]')
  }
  // Bearer tokens and key-looking strings that came back inside an upstream message.
  return out.replace(/\b(Bearer\s+)[\w.~+/-]{8,}/gi, '$1[redacted]').replace(/\b(sk|key)-[\w-]{8,}/g, '$1-[redacted]')
}

export type LogLevel = 'info' | 'warn' | 'error'
export type LogSink = (level: LogLevel, line: string) => void

const consoleSink: LogSink = (level, line) => {
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}

let sink: LogSink = consoleSink

/** Where log lines go (tests capture them); `undefined` restores the console. */
export function setLogSink(next: LogSink | undefined): void {
  sink = next ?? consoleSink
}

function emit(level: LogLevel, event: string, fields: Record<string, unknown>): void {
  sink(level, redact(JSON.stringify({ level, event, ...fields, at: new Date().toISOString() })))
}

export const log = {
  info: (event: string, fields: Record<string, unknown> = {}) => emit('info', event, fields),
  warn: (event: string, fields: Record<string, unknown> = {}) => emit('warn', event, fields),
  error: (event: string, fields: Record<string, unknown> = {}) => emit('error', event, fields),
}

/** The loggable part of an unknown thrown value. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack?.split('\n').slice(0, 6).join('\n') }
  return { value: String(error) }
}
