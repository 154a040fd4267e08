/** How demo mode imitates Gemini: the fastest first token, big chunks, a table. */
import type { DemoStyle } from '../types.ts'

export const geminiDemo: DemoStyle = {
  firstTokenMs: 200,
  chunkMs: 80,
  wordsPerChunk: [4, 9],
  body: ({ keyEnv, variant }) =>
    [
      variant ? 'Briefly: this is the demo mode of deploy previews and fresh clones.' : 'Short version: this is the demo mode that deploy previews and fresh clones run in.',
      '',
      '| Step | Where |',
      '| --- | --- |',
      '| Store the chat | `POST /api/ai/chat` |',
      '| Call the models | background function |',
      '| Read partial results | `GET /api/ai/chat/<id>` |',
      '',
      `Add \`${keyEnv}\` to get a real answer here.`,
    ].join('\n'),
}
