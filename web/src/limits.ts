/** The server's limits as the page applies them before sending: lengths, ranges and chat ids. Pure. */
import type { Limits } from '../../shared/types.ts'

/** Used until `/api/ai/models` answers (and for a server that does not send `limits`): the server's defaults. */
export const DEFAULT_LIMITS: Limits = { maxParticipants: 8, maxMessageChars: 32_000, maxOutputTokens: 4096 }

/** The counter shows from this share of the limit on. */
const COUNTER_FROM = 0.9

const CHAT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A chat id is a lowercase v4 UUID (the contract's pattern; the page never imports the schemas). */
export const isChatId = (id: string) => CHAT_ID.test(id)

/** 40000 → "40,000". */
export const count = (value: number) => value.toLocaleString('en-US')

export interface LengthNote {
  over: boolean
  text: string
}

/**
 * What to say about a text's length: nothing far from the limit, a counter near it, and a sentence
 * once it is over ("The prompt is 40,000 characters; the limit is 32,000.").
 */
export function lengthNote(what: string, length: number, max: number): LengthNote | null {
  if (length > max) return { over: true, text: `${what} is ${count(length)} characters; the limit is ${count(max)}.` }
  if (length >= max * COUNTER_FROM) return { over: false, text: `${count(length)} of ${count(max)} characters` }
  return null
}

export type SettingName = 'temperature' | 'maxTokens'

export interface Clamped {
  /** The value to send; undefined for "default" (an empty box). */
  value: number | undefined
  /** Why the value differs from what was typed. */
  note?: string
}

/** The allowed range of a setting: temperature 0–2, max tokens 1–`maxOutputTokens`. */
export function rangeOf(name: SettingName, limits: Limits): [number, number] {
  return name === 'temperature' ? [0, 2] : [1, limits.maxOutputTokens]
}

const SETTING_WORDS: Record<SettingName, string> = { temperature: 'Temperature', maxTokens: 'Max tokens' }

/**
 * A typed setting brought into its range (rather than refused by the browser's validation bubble),
 * with a note saying what was changed.
 */
export function clampSetting(name: SettingName, typed: string, limits: Limits): Clamped {
  const text = typed.trim()
  if (!text) return { value: undefined }
  const [min, max] = rangeOf(name, limits)
  const words = SETTING_WORDS[name]
  const number = Number(text)
  if (!Number.isFinite(number)) return { value: undefined, note: `${words} must be a number from ${count(min)} to ${count(max)}; the default is used.` }
  const whole = name === 'maxTokens' ? Math.round(number) : number
  const value = Math.min(max, Math.max(min, whole))
  if (value === number) return { value }
  if (value !== whole) return { value, note: `${words} ${count(number)} is outside ${count(min)}–${count(max)}, so ${count(value)} is used.` }
  return { value, note: `${words} must be a whole number, so ${count(value)} is used.` }
}
