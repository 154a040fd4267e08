import type { ComponentChildren } from 'preact'
import type { AppState } from '../app-state.ts'

/**
 * The prompt and its send button, first on the page so they are in view on a phone's first screen.
 * `setup` (the columns and options) arrives in a lazy chunk after first paint.
 */
export function Composer({ state, setup }: { state: AppState; setup: ComponentChildren }) {
  const length = state.promptLength.value
  const blocked = state.sendBlocked.value
  const disabled = !state.canSend.value
  const submit = () => void state.send()
  return (
    <form
      class="composer"
      aria-label="New chat"
      // Out-of-range settings are clamped with a note, not stopped by the browser's validation bubble.
      noValidate
      onSubmit={(event) => {
        event.preventDefault()
        submit()
      }}
    >
      <label for="prompt" class="prompt-label">
        Prompt
      </label>
      <textarea
        id="prompt"
        dir="auto"
        rows={3}
        placeholder="Ask every model the same question…"
        aria-describedby="prompt-hint prompt-length send-why"
        aria-invalid={length?.over || undefined}
        value={state.prompt.value}
        onInput={(event) => (state.prompt.value = event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return
          event.preventDefault()
          submit()
        }}
      />
      <div class="send">
        <button
          type="submit"
          class="primary"
          // aria-disabled, not disabled: a focused button that becomes disabled drops the focus to <body>.
          aria-disabled={disabled}
          aria-describedby="send-why"
        >
          {state.sending.value ? 'Sending…' : 'Compare'}
        </button>
        <p id="prompt-hint" class="hint">
          Enter sends, Shift+Enter starts a new line.
        </p>
        <p id="prompt-length" class={length?.over ? 'problem' : 'hint counter'} aria-live="polite">
          {length && !length.over ? length.text : ''}
        </p>
        <p id="send-why" class="problem" role={blocked ? 'alert' : undefined}>
          {blocked ?? ''}
        </p>
        {state.sendError.value && (
          <p class="problem" role="alert">
            {state.sendError.value}
          </p>
        )}
      </div>
      {setup ?? <p class="hint">Loading the models…</p>}
    </form>
  )
}
