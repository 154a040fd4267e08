/** A chat as a file or as Markdown text: loaded only when the user exports or copies. */
import type { ProviderResult } from '../../shared/types.ts'
import type { ExportFile } from './api.ts'
import type { ColumnName } from './chat-session.ts'

/** Saves a downloaded export under the server's file name. */
export function download(file: ExportFile): void {
  const url = URL.createObjectURL(file.blob)
  const link = document.createElement('a')
  link.href = url
  link.download = file.filename
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  // Revoking at once can cancel the download in some browsers; a minute is plenty.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

export interface TranscriptTurn {
  turn: number
  message: string
  pick: string | null
  answers: Array<{ id: string; name: ColumnName; result: ProviderResult | undefined }>
}

const STATE_WORDS: Partial<Record<ProviderResult['status'], string>> = {
  queued: '_(not started yet)_',
  streaming: '_(still being written)_',
  cancelled: '_(cancelled)_',
}

/** Every turn and answer as one Markdown text, named as the page shows them (letters while blind). */
export function transcript(chat: { title: string; turns: TranscriptTurn[] }): string {
  const lines = [`# ${chat.title.split('\n')[0]}`, '']
  for (const turn of chat.turns) {
    lines.push(`## Turn ${turn.turn}`, '', ...turn.message.split('\n').map((line) => `> ${line}`), '')
    for (const { id, name, result } of turn.answers) {
      const model = name.model ? ` (${name.model})` : ''
      lines.push(`### ${name.title}${model}${turn.pick === id ? ' — best answer' : ''}`, '')
      if (result?.text) lines.push(result.text.trimEnd(), '')
      if (result?.status === 'error') lines.push(`_(failed: ${result.error?.message ?? 'no answer'})_`, '')
      else if (result && STATE_WORDS[result.status]) lines.push(STATE_WORDS[result.status]!, '')
    }
  }
  return lines.join('\n').trimEnd() + '\n'
}
