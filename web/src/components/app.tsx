import { useEffect } from 'preact/hooks'
import type { AppState } from '../app-state.ts'
import { lazyModule } from '../lazy-module.ts'
import { markdown } from '../markdown.ts'
import { Composer } from './composer.tsx'
import { RecentList } from './recent-list.tsx'
import { TokenForm } from './token-form.tsx'

/** The chats and their cards: not needed to paint the first screen, fetched right after it. */
export const chatViews = lazyModule(() => import('./chat-view.tsx'))

function Chats({ state }: { state: AppState }) {
  const chats = state.chats.value
  const views = chatViews.current.value
  if (chats.length === 0) return null
  if (views) return <>{chats.map((chat) => <views.ChatView key={chat.id} chat={chat} state={state} />)}</>
  return (
    <p class={chatViews.failed.value ? 'problem' : 'hint'} role="status">
      {chatViews.failed.value ? 'Part of this page could not be loaded. Reload the page.' : 'Loading the chat…'}
    </p>
  )
}

export function App({ state }: { state: AppState }) {
  useEffect(() => {
    state.start()
    // Effects run after the first paint.
    void chatViews.load()
    void markdown.load()
    return state.dispose
  }, [state])

  return (
    <>
      <header class="top">
        <h1>AI Gateway Chat</h1>
        <p>One prompt, several models, answers side by side.</p>
      </header>
      {state.demo.value && (
        <p class="banner" role="note">
          <strong>Demo mode:</strong> simulated providers answer and nothing is sent to a real model. Set{' '}
          <code>OPENAI_API_KEY</code>, <code>ANTHROPIC_API_KEY</code> or <code>GEMINI_API_KEY</code> (or deploy with
          Netlify AI Gateway) to compare real models.
        </p>
      )}
      <TokenForm tokens={state.tokens} />
      <main>
        <Chats state={state} />
        <Composer state={state} />
        <RecentList state={state} />
      </main>
    </>
  )
}
