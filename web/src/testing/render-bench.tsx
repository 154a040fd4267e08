/**
 * The cost of one streamed update in a big conversation (20 turns × 4 columns, the last turn
 * streaming), for the render test and for the benchmark. Runs in a DOM: vitest's jsdom environment
 * or a browser. Nothing here reaches the page's bundle.
 */
import { options, render, type VNode } from 'preact'
import { act } from 'preact/test-utils'
import type { StatusDocument } from '../../../shared/types.ts'
import type { Api } from '../api.ts'
import { createAppState } from '../app-state.ts'
import { createLane, openChatSession, type ChatSession } from '../chat-session.ts'
import { ChatView } from '../components/chat-view.tsx'
import { markdown } from '../markdown.ts'
import { conversationDoc, done, streaming, type TurnSpec } from './fixtures.ts'

const PARTICIPANTS = ['openai', 'anthropic', 'gemini', 'openai-2']

/** An answer of about 1,500 characters with the Markdown models write: headings, lists, code. */
function answer(seed: number): string {
  const lines = [`## Answer ${seed}`, '', 'Here is **what matters**, with a `detail` or two:', '']
  for (let item = 1; item <= 6; item++) lines.push(`- Point ${item}: a sentence long enough to wrap once or twice in a narrow column of text.`)
  lines.push('', '```ts', `const answer = ${seed} // code`, '```', '', 'And a closing paragraph that sums it all up in plain words.')
  return lines.join('\n')
}

/** A conversation of `turns` turns × `columns` participants; the last turn's first answer is streaming `text`. */
export function bigConversation(turns = 20, columns = 4, text = 'The first words'): StatusDocument {
  const ids = PARTICIPANTS.slice(0, columns)
  const specs: TurnSpec[] = Array.from({ length: turns }, (_, index) => ({
    message: `Question ${index + 1}: tell me more.`,
    results: Object.fromEntries(
      ids.map((id, column) => [id, index === turns - 1 && column === 0 ? streaming(id, text) : done(id, answer(index * columns + column))]),
    ),
  }))
  return conversationDoc(specs)
}

/** Counts renders of the function components named `name`, keyed by `key(props)`, through Preact's render hook. */
export function countRenders(name: string, key: (props: Record<string, unknown>) => string) {
  // `__r` is Preact's (mangled) `_render` option hook, the one @preact/signals chains onto too.
  const hooks = options as unknown as { __r?: (vnode: VNode) => void }
  const previous = hooks.__r
  const counts = new Map<string, number>()
  hooks.__r = (vnode) => {
    previous?.(vnode)
    if (typeof vnode.type === 'function' && vnode.type.name === name) {
      const id = key(vnode.props as Record<string, unknown>)
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
  }
  return {
    counts,
    total: () => [...counts.values()].reduce((sum, value) => sum + value, 0),
    reset: () => counts.clear(),
    stop: () => (hooks.__r = previous),
  }
}

const noApi = new Proxy({} as Api, {
  get: () => () => new Promise(() => {}),
})

export interface Bench {
  chat: ChatSession
  container: HTMLElement
  /** Feeds the next document (the streaming answer grown) and renders; resolves to the milliseconds it took. */
  update(): number
  dispose(): void
}

/** Renders the conversation, ready for streamed updates. */
export async function setupBench(turns = 20, columns = 4): Promise<Bench> {
  await markdown.load()
  const state = createAppState({
    storage: { getItem: () => null, setItem: () => {} },
    location: { href: 'http://localhost/' },
    history: { replaceState: () => {} },
    fetch: () => new Promise(() => {}),
  })
  const id = bigConversation(1, 1).chatId
  const chat = openChatSession(id, { api: noApi, lane: createLane(), limits: () => state.limits.value, label: state.label, autostart: false })
  const container = document.createElement('div')
  document.body.append(container)
  let text = 'The first words'
  act(() => {
    chat.receive(bigConversation(turns, columns, text))
    render(<ChatView chat={chat} state={state} />, container)
  })
  return {
    chat,
    container,
    update() {
      text += ' and a few more words, **some bold**,'
      const next = bigConversation(turns, columns, text)
      const started = performance.now()
      act(() => chat.receive(next))
      return performance.now() - started
    },
    dispose() {
      render(null, container)
      container.remove()
      chat.dispose()
      state.dispose()
    },
  }
}

/**
 * Times `updates` streamed updates of one answer in a `turns` × `columns` conversation (after two
 * warm-up updates) and returns the median and the slowest, in milliseconds. Target: ≤ 16 ms (a frame).
 */
export async function timeStreamedUpdate({ turns = 20, columns = 4, updates = 20 } = {}): Promise<{ medianMs: number; maxMs: number }> {
  const bench = await setupBench(turns, columns)
  try {
    bench.update()
    bench.update()
    const times = Array.from({ length: updates }, () => bench.update()).sort((a, b) => a - b)
    return { medianMs: times[Math.floor(times.length / 2)]!, maxMs: times.at(-1)! }
  } finally {
    bench.dispose()
  }
}
