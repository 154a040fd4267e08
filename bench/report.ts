/** The benchmark's outputs: a table on stdout, the figures as JSON, and a Markdown table for the README. */
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import type { Figure } from './figures.ts'
import { ROOT } from './processes.ts'

export interface RunInfo {
  command: string
  startedAt: string
  wallSeconds: number
  smoke: boolean
}

export function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` }
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  lines.push(line)
  return lines
}

/** A plain-text table, grouped by section, wrapped to fit a terminal. */
export function renderTable(figures: readonly Figure[], info: RunInfo): string {
  const widths = { name: 58, target: 26, measured: 70, status: 6 }
  const row = (name: string, target: string, measured: string, status: string) => {
    const cells = [wrap(name, widths.name), wrap(target, widths.target), wrap(measured, widths.measured), [status]]
    const height = Math.max(...cells.map((c) => c.length))
    const out: string[] = []
    for (let i = 0; i < height; i++) {
      out.push(
        [cells[0]![i] ?? '', cells[1]![i] ?? '', cells[2]![i] ?? '', cells[3]![i] ?? '']
          .map((cell, k) => cell.padEnd([widths.name, widths.target, widths.measured, widths.status][k]!))
          .join('  ')
          .trimEnd(),
      )
    }
    return out.join('\n')
  }
  const rule = '-'.repeat(widths.name + widths.target + widths.measured + widths.status + 6)
  const lines = [rule, row('Figure', 'Target', 'Measured', 'Status'), rule]
  let section = ''
  for (const figure of figures) {
    if (figure.section !== section) {
      section = figure.section
      lines.push(`== ${section}`)
    }
    lines.push(row(figure.name, figure.target, figure.measured, figure.status))
  }
  lines.push(rule)
  const count = (status: string) => figures.filter((figure) => figure.status === status).length
  lines.push(`${count('PASS')} PASS, ${count('MISS')} MISS, ${count('INFO')} reported without a target. \`${info.command}\`, ${info.wallSeconds.toFixed(0)} s wall time, ${machine().cpus} CPUs, Node ${process.version}.`)
  return lines.join('\n')
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|')

export function renderMarkdown(figures: readonly Figure[], info: RunInfo): string {
  const m = machine()
  const lines = [
    `Measured by \`${info.command}\` on ${info.startedAt.slice(0, 10)} (${m.cpus} CPUs, ${m.memoryGiB} GiB, Node ${m.node}; ${info.wallSeconds.toFixed(0)} s). Warm = functions imported once and served in-process against a real BlobsServer; emulator = \`npm start\`; the page runs in Debian's Chromium on the emulator, the render figure in jsdom. Providers are a local fake speaking each API's streaming format; bench/README.md says how each figure is measured.`,
    '',
    '| Figure | Target | Measured | Status |',
    '| --- | --- | --- | --- |',
  ]
  let section = ''
  for (const figure of figures) {
    if (figure.section !== section) {
      section = figure.section
      lines.push(`| **${escapeCell(section)}** | | | |`)
    }
    lines.push(`| ${escapeCell(figure.name)} | ${escapeCell(figure.target)} | ${escapeCell(figure.measured)} | ${figure.status === 'INFO' ? '' : figure.status} |`)
  }
  return `${lines.join('\n')}\n`
}

export async function writeResults(figures: readonly Figure[], info: RunInfo, raw: unknown): Promise<{ json: string; markdown: string }> {
  const directory = join(ROOT, 'bench/results')
  await mkdir(directory, { recursive: true })
  const json = join(directory, `${info.startedAt.slice(0, 10)}.json`)
  const markdown = join(directory, 'latest.md')
  await writeFile(json, `${JSON.stringify({ ...info, machine: machine(), figures, raw }, null, 2)}\n`)
  await writeFile(markdown, renderMarkdown(figures, info))
  return { json, markdown }
}
