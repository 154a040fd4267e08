/**
 * One-line JSON logs. Every value passes through `redact`, which replaces any configured secret
 * (provider keys, the trigger secret, the access token) so none can reach a log line.
 */
import { PROVIDER_IDS, PROVIDERS } from '../shared/catalogue.ts'

const SECRET_ENV = [...PROVIDER_IDS.flatMap((id) => PROVIDERS[id].keyEnv), 'AI_CHAT_SECRET', 'AI_CHAT_ACCESS_TOKEN']

export function redact(text: string, env: Record<string, string | undefined> = process.env): string {
  let out = text
  for (const name of SECRET_ENV) {
    const secret = env[name]?.trim()
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]')
  }
  // Bearer tokens and key-looking strings that came back inside an upstream message.
  return out.replace(/\b(Bearer\s+)[\w.~+/-]{8,}/gi, '$1[redacted]').replace(/\b(sk|key)-[\w-]{8,}/g, '$1-[redacted]')
}

function emit(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>): void {
  const line = redact(JSON.stringify({ level, event, ...fields, at: new Date().toISOString() }))
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
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
