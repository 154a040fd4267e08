/** How demo mode imitates Anthropic: a slower start, a bullet list and a code block. */
import type { DemoStyle } from '../types.ts'

export const anthropicDemo: DemoStyle = {
  firstTokenMs: 1100,
  chunkMs: 60,
  wordsPerChunk: [2, 5],
  body: ({ variant }) =>
    [
      variant ? 'Three things worth knowing about this comparison:' : 'A few things worth knowing about this comparison:',
      '',
      '- Models stream at different speeds, so columns fill at different times.',
      '- A slow or failing model never holds back the others.',
      '- Each model keeps its own history: a follow-up continues from its own answers.',
      '',
      '```ts',
      "const res = await fetch('/api/ai/chat', { method: 'POST', body: JSON.stringify({ message: 'Hi' }) })",
      'const { chatId } = await res.json() // then poll /api/ai/chat/<chatId>',
      '```',
    ].join('\n'),
}
