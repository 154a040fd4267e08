import type { AppState } from '../app-state.ts'

/** The prompt, the providers to ask (each with its model) and the shared options. */
export function Composer({ state }: { state: AppState }) {
  const models = state.models.value
  return (
    <form
      class="composer"
      aria-label="New chat"
      onSubmit={(event) => {
        event.preventDefault()
        void state.send()
      }}
    >
      <label for="prompt" class="prompt-label">
        Prompt
      </label>
      <textarea
        id="prompt"
        rows={3}
        placeholder="Ask every model the same question…"
        aria-describedby="prompt-hint"
        value={state.prompt.value}
        onInput={(event) => (state.prompt.value = event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return
          event.preventDefault()
          void state.send()
        }}
      />
      <p id="prompt-hint" class="hint">
        Enter sends, Shift+Enter starts a new line.
      </p>

      <fieldset class="providers">
        <legend>Providers</legend>
        {!models && !state.modelsError.value && <p class="hint">Loading providers…</p>}
        {state.modelsError.value && (
          <p class="problem" role="alert">
            Could not load the providers: {state.modelsError.value}{' '}
            <button type="button" onClick={() => void state.loadModels()}>
              Try again
            </button>
          </p>
        )}
        {models?.providers.map((provider) => {
          const pick = state.picks.value[provider.id]
          const usable = provider.configured && !!pick
          return (
            <div class={`pick${usable ? '' : ' off'}`} key={provider.id}>
              <input
                type="checkbox"
                id={`use-${provider.id}`}
                checked={usable && pick.on}
                disabled={!usable}
                aria-describedby={usable ? undefined : `why-${provider.id}`}
                onChange={(event) => state.pick(provider.id, { on: event.currentTarget.checked })}
              />
              <label for={`use-${provider.id}`}>{provider.label}</label>
              <select
                aria-label={`${provider.label} model`}
                value={pick?.model ?? provider.defaultModel}
                disabled={!usable || !pick.on}
                onChange={(event) => state.pick(provider.id, { model: event.currentTarget.value })}
              >
                {provider.models.map((model) => (
                  <option key={model} value={model}>
                    {model}
                  </option>
                ))}
              </select>
              {!provider.configured && (
                <span class="reason" id={`why-${provider.id}`}>
                  Unavailable: {provider.reason ?? 'not configured'}
                </span>
              )}
            </div>
          )
        })}
      </fieldset>

      <details class="options">
        <summary>Options</summary>
        <label for="system">System prompt</label>
        <textarea
          id="system"
          rows={2}
          placeholder="Sent to every provider"
          value={state.system.value}
          onInput={(event) => (state.system.value = event.currentTarget.value)}
        />
        <div class="row">
          <span>
            <label for="temperature">Temperature</label>
            <input
              id="temperature"
              type="number"
              min={0}
              max={2}
              step={0.1}
              placeholder="default"
              value={state.temperature.value}
              onInput={(event) => (state.temperature.value = event.currentTarget.value)}
            />
          </span>
          <span>
            <label for="max-tokens">Max tokens</label>
            <input
              id="max-tokens"
              type="number"
              min={1}
              step={1}
              placeholder="default"
              value={state.maxTokens.value}
              onInput={(event) => (state.maxTokens.value = event.currentTarget.value)}
            />
          </span>
        </div>
      </details>

      <div class="send">
        <button type="submit" class="primary" disabled={!state.canSend.value}>
          {state.sending.value ? 'Sending…' : 'Compare'}
        </button>
        {state.sendError.value && (
          <p class="problem" role="alert">
            {state.sendError.value}
          </p>
        )}
      </div>
    </form>
  )
}
