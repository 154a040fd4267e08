/**
 * `GET /api/ai/chat/<id>/export?format=md|json`: the whole comparison as a file. JSON is the status
 * document with every turn's results; Markdown is a transcript a person can read: per turn, the
 * message, then each participant's answer under `provider / model`, with its metrics, cost, the
 * parameters actually sent, errors and the pick.
 */
import type { ProviderResult, StatusDocument } from '../shared/types.ts'

export type ExportFormat = 'md' | 'json'

const ms = (from?: string, to?: string) => (from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : undefined)
const seconds = (n: number | undefined) => (n === undefined ? undefined : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`)
export const usd = (value: number | null | undefined) => (value === null || value === undefined ? 'price unknown' : `$${value < 0.01 ? value.toFixed(4) : value.toFixed(2)}`)

/** `explain-idempotency-in-two-2026-11-30.md`: the chat's first words and its date. */
export function exportFileName(document: StatusDocument, format: ExportFormat): string {
  const words = document.request.message
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 5)
    .join('-')
    .replace(/[^a-z0-9-]/g, '')
    .slice(0, 40)
  return `${words || 'chat'}-${document.createdAt.slice(0, 10)}.${format}`
}

function metricsLine(result: ProviderResult): string {
  const { startedAt, firstTokenAt, finishedAt } = result.timings
  const parts = [
    result.status,
    result.attempt > 1 ? `attempt ${result.attempt}` : undefined,
    firstTokenAt ? `first token ${seconds(ms(startedAt, firstTokenAt))}` : undefined,
    finishedAt ? `total ${seconds(ms(startedAt, finishedAt))}` : undefined,
    result.usage ? `${result.usage.inputTokens} → ${result.usage.outputTokens} tokens` : undefined,
    usd(result.cost?.totalUsd),
    result.truncated ? 'cut at the answer size limit' : undefined,
    result.finishReason === 'length' && !result.truncated ? 'stopped at the token limit' : undefined,
  ]
  return parts.filter(Boolean).join(' · ')
}

const quote = (text: string) =>
  text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n')

function markdown(document: StatusDocument): string {
  const participants = document.participants ?? []
  const name = (id: string) => {
    const p = participants.find((entry) => entry.id === id)
    return p ? `${p.label ?? p.provider} / ${p.model}` : id
  }
  const lines: string[] = []
  lines.push(`# ${document.request.message.split('\n')[0]!.slice(0, 120)}`, '')
  lines.push(`- Chat \`${document.chatId}\`, started ${document.createdAt}${document.demo ? ' (demo mode: simulated answers)' : ''}`)
  lines.push(`- Participants: ${participants.map((p) => `${p.id} (${name(p.id)})`).join(', ')}`)
  lines.push(`- Total cost: ${usd(document.totalCostUsd)}`, '')
  for (const p of participants) {
    const { params } = p
    const sent = [`model ${params.model}`, `max ${params.maxTokens} tokens`, params.temperature !== undefined ? `temperature ${params.temperature}` : undefined, params.system ? 'system prompt' : undefined]
    lines.push(`- Sent to ${p.id}: ${sent.filter(Boolean).join(', ')}${params.notes?.length ? ` (${params.notes.join(' ')})` : ''}`)
  }
  lines.push('')
  for (const turn of document.turns ?? []) {
    lines.push(`## Turn ${turn.turn}`, '', quote(turn.message), '')
    for (const [id, result] of Object.entries(turn.results ?? {})) {
      lines.push(`### ${id} · ${name(id)}${turn.pick === id ? ' · ★ picked as best' : ''}`, '', `*${metricsLine(result)}*`, '')
      if (result.error) lines.push(`**${result.error.code}**: ${result.error.message}`, '')
      if (result.text) lines.push(result.text.trimEnd(), '')
      if (result.status === 'cancelled') lines.push(result.text ? '*(cancelled: the text above is what arrived before)*' : '*(cancelled before any text arrived)*', '')
    }
  }
  return `${lines.join('\n').trimEnd()}\n`
}

/** The export's body and headers. */
export function exportResponse(document: StatusDocument, format: ExportFormat): { body: string; contentType: string; fileName: string } {
  const fileName = exportFileName(document, format)
  if (format === 'json') return { body: `${JSON.stringify(document, null, 2)}\n`, contentType: 'application/json; charset=utf-8', fileName }
  return { body: markdown(document), contentType: 'text/markdown; charset=utf-8', fileName }
}
