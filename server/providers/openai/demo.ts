/** How demo mode imitates OpenAI (and every OpenAI-compatible provider): quick, short chunks, a numbered list. */
import type { DemoStyle } from '../types.ts'

export const openaiDemo: DemoStyle = {
  firstTokenMs: 700,
  chunkMs: 45,
  wordsPerChunk: [1, 3],
  body: ({ keyEnv, variant }) =>
    [
      variant ? 'In short, here is how a real answer would arrive in this column:' : 'Here is how a real answer would arrive in this column:',
      '',
      '1. The request was stored and answered with **202** at once.',
      '2. A background function called every model in parallel.',
      '3. Each model wrote its own result blob while it streamed, and this page polled for it.',
      '',
      `Set \`${keyEnv}\` (or deploy with Netlify AI Gateway) to compare real models.`,
    ].join('\n'),
}
