import { useEffect } from 'preact/hooks'
import { sessions, type AppState } from '../app-state.ts'
import { lazyModule } from '../lazy-module.ts'
import { markdown } from '../markdown.ts'
import { Composer } from './composer.tsx'

/** The chats, their columns and answers: not needed to paint the first screen, fetched right after it. */
export const chatViews = lazyModule(() => import('./chat-view.tsx'))
/** The column list, the options, the recent chats and the token form: fetched right after first paint. */
export const panels = lazyModule(() => import('./panels.tsx'))

function Chats({ state }: { state: AppState }) {
  const chats = state.chats.value
  const views = chatViews.current.value
  const failed = chatViews.failed.value || sessions.failed.value
  if (state.linkProblem.value) {
    return (
      <p class="problem link-problem" role="alert">
        {state.linkProblem.value}
      </p>
    )
  }
  const waiting = state.opening.value > 0 || (!views && chats.length > 0) || sessions.failed.value
  return (
    <>
      {views && chats.map((chat) => <views.ChatView key={chat.id} chat={chat} state={state} />)}
      {waiting && (
        <p class={failed ? 'problem' : 'hint'} role="status">
          {failed ? 'Part of this page could not be loaded. Reload the page.' : 'Loading the chat…'}
        </p>
      )}
    </>
  )
}

export function App({ state }: { state: AppState }) {
  const Panels = panels.current.value
  useEffect(() => {
    state.start()
    // Effects run after the first paint.
    void chatViews.load()
    void sessions.load()
    void panels.load()
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
          <strong>Demo mode:</strong> simulated providers answer, and no prompt reaches a real model. This is how deploy
          previews and servers without provider keys run (<code>AI_CHAT_DEMO=1</code>); set a provider key to compare
          real models.
        </p>
      )}
      {Panels && <Panels.TokenForm tokens={state.tokens} />}
      <main>
        <Composer state={state} setup={Panels && <Panels.SetupPanel state={state} />} />
        <Chats state={state} />
        {Panels && <Panels.RecentList state={state} />}
      </main>
    </>
  )
}
