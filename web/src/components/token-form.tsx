import { useSignal } from '@preact/signals'
import { useEffect, useRef } from 'preact/hooks'
import type { TokenGate } from '../api.ts'

/** Asks for the access token when the server answered 401; every waiting call resumes with it. */
export function TokenForm({ tokens }: { tokens: TokenGate }) {
  const draft = useSignal('')
  const input = useRef<HTMLInputElement>(null)
  const asking = tokens.asking.value
  useEffect(() => input.current?.focus(), [asking])
  if (!asking) return null

  return (
    <form
      class="token-form"
      aria-labelledby="token-title"
      onSubmit={(event) => {
        event.preventDefault()
        if (!draft.value.trim()) return
        tokens.provide(draft.value)
        draft.value = ''
      }}
    >
      <h2 id="token-title">Access token needed</h2>
      <p role="alert">
        {asking === 'refused'
          ? 'The server refused the access token stored in this browser. Enter the current one.'
          : 'This server only answers people with its access token.'}
      </p>
      <label for="token">Access token</label>
      <div class="row">
        <input
          id="token"
          ref={input}
          type="password"
          autocomplete="off"
          value={draft.value}
          onInput={(event) => (draft.value = event.currentTarget.value)}
        />
        <button type="submit" disabled={!draft.value.trim()}>
          Continue
        </button>
      </div>
    </form>
  )
}
