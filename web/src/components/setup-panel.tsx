import { useSignal } from '@preact/signals'
import { useRef } from 'preact/hooks'
import type { ProviderInfoDocument } from '../../../shared/types.ts'
import type { AppState } from '../app-state.ts'
import { clampSetting, count, lengthNote, rangeOf, type SettingName } from '../limits.ts'
import { overrides, type Draft } from '../participants.ts'

/** An option of the "Add model" list: provider and model (a model id may hold any character but quotes). */
const choiceOf = (provider: string, model: string) => JSON.stringify([provider, model])

/** The columns of the next chat (add, remove, per-column settings), the shared options and blind mode. */
export function SetupPanel({ state }: { state: AppState }) {
  const models = state.models.value
  if (state.modelsError.value) {
    return (
      <p class="problem" role="alert">
        Could not load the models: {state.modelsError.value}{' '}
        <button type="button" onClick={() => void state.loadModels()}>
          Try again
        </button>
      </p>
    )
  }
  if (!models) return <p class="hint">Loading the models…</p>
  const drafts = state.drafts.value
  const max = state.limits.value.maxParticipants
  const unavailable = models.providers.filter((provider) => !provider.configured)

  return (
    <>
      <fieldset class="participants">
        <legend>
          Columns <span class="hint">({drafts.length} of up to {max})</span>
        </legend>
        {drafts.length === 0 && <p class="hint">No model yet: add one or more below.</p>}
        <ol class="drafts">
          {drafts.map((item, index) => (
            <DraftRow key={item.key} state={state} item={item} index={index} providers={models.providers} />
          ))}
        </ol>
        <AddModel state={state} providers={models.providers} full={drafts.length >= max} max={max} />
        {unavailable.length > 0 && (
          <ul class="unavailable">
            {unavailable.map((provider) => (
              <li key={provider.id} id={`why-${provider.id}`} class="reason">
                {provider.label}: unavailable ({provider.reason ?? 'not configured'})
              </li>
            ))}
          </ul>
        )}
      </fieldset>

      <details class="options">
        <summary>Options for all columns</summary>
        <SettingsFields
          idPrefix="chat"
          systemPlaceholder="Sent to every column that has no system prompt of its own"
          state={state}
          system={state.system.value}
          onSystem={(value) => (state.system.value = value)}
          values={{ temperature: state.temperature.value, maxTokens: state.maxTokens.value }}
          notes={state.settingNotes.value}
          onInput={(name, value) => (name === 'temperature' ? (state.temperature.value = value) : (state.maxTokens.value = value))}
          onCommit={(name) => state.checkSetting(name)}
          placeholder="default"
        />
      </details>

      <label class="check">
        <input type="checkbox" checked={state.blindNext.value} onChange={(event) => (state.blindNext.value = event.currentTarget.checked)} />
        Blind comparison: shuffle the columns and hide names and costs until I pick a best answer
      </label>
    </>
  )
}

function AddModel({ state, providers, full, max }: { state: AppState; providers: ProviderInfoDocument[]; full: boolean; max: number }) {
  const first = providers.find((provider) => provider.configured)
  const choice = useSignal(first ? choiceOf(first.id, first.defaultModel) : '')
  return (
    <div class="add-model">
      <label for="add-model">Add model</label>
      <select id="add-model" value={choice.value} disabled={full || !first} onChange={(event) => (choice.value = event.currentTarget.value)}>
        {providers.map((provider) => (
          <optgroup
            key={provider.id}
            label={provider.configured ? provider.label : `${provider.label} (unavailable: ${provider.reason ?? 'not configured'})`}
            disabled={!provider.configured}
          >
            {provider.models.map((model) => (
              <option key={model} value={choiceOf(provider.id, model)}>
                {provider.label} · {model}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <button
        type="button"
        aria-describedby="add-why"
        disabled={full || !choice.value}
        onClick={() => {
          const [provider, model] = JSON.parse(choice.value) as [string, string]
          state.addDraft(provider, model)
        }}
      >
        Add
      </button>
      <span id="add-why" class="hint">
        {full ? `Up to ${max} columns.` : ''}
      </span>
    </div>
  )
}

function DraftRow({ state, item, index, providers }: { state: AppState; item: Draft; index: number; providers: ProviderInfoDocument[] }) {
  const open = useSignal(false)
  const toggle = useRef<HTMLButtonElement>(null)
  const provider = providers.find((entry) => entry.id === item.provider)
  const label = provider?.label ?? item.provider
  const custom = overrides(item)
  const name = `column ${index + 1} (${label})`
  const panelId = `settings-${item.key}`
  const close = () => {
    open.value = false
    toggle.current?.focus()
  }
  return (
    <li class={`draft${custom.length ? ' custom' : ''}`} data-provider={item.provider}>
      <div class="draft-row">
        <span class="draft-name">{label}</span>
        <select aria-label={`Model of ${name}`} value={item.model} onChange={(event) => state.updateDraft(item.key, { model: event.currentTarget.value })}>
          {(provider?.models ?? [item.model]).map((model) => (
            <option key={model} value={model}>
              {model}
            </option>
          ))}
        </select>
        <button
          type="button"
          ref={toggle}
          aria-expanded={open.value}
          aria-controls={panelId}
          aria-label={`Settings of ${name}${custom.length ? ', customised' : ''}`}
          onClick={() => (open.value = !open.value)}
        >
          Settings
        </button>
        <button type="button" class="quiet" aria-label={`Remove ${name}`} onClick={() => state.removeDraft(item.key)}>
          Remove
        </button>
      </div>
      <p class={`draft-settings${custom.length ? ' custom' : ''}`}>{custom.length ? `Own settings: ${custom.join(', ')}` : 'Same for all'}</p>
      {open.value && (
        <div
          class="popover"
          id={panelId}
          role="group"
          aria-label={`Settings of ${name}`}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault()
              close()
            }
          }}
        >
          <ColumnSettings state={state} item={item} onDone={close} />
        </div>
      )}
    </li>
  )
}

/** A column's own settings: empty means "same for all" (the chat-level value). */
function ColumnSettings({ state, item, onDone }: { state: AppState; item: Draft; onDone: () => void }) {
  const shown = (value: number | undefined) => (value === undefined ? '' : String(value))
  const typed = useSignal<Record<SettingName, string>>({ temperature: shown(item.temperature), maxTokens: shown(item.maxTokens) })
  const notes = useSignal<Partial<Record<SettingName, string>>>({})
  return (
    <>
      <SettingsFields
        idPrefix={`p${item.key}`}
        systemPlaceholder="Same for all"
        state={state}
        system={item.system ?? ''}
        onSystem={(value) => state.updateDraft(item.key, { system: value })}
        values={typed.value}
        notes={notes.value}
        placeholder="same for all"
        onInput={(name, value) => (typed.value = { ...typed.value, [name]: value })}
        onCommit={(name) => {
          const { value, note } = clampSetting(name, typed.value[name], state.limits.value)
          typed.value = { ...typed.value, [name]: shown(value) }
          notes.value = { ...notes.value, [name]: note }
          state.updateDraft(item.key, name === 'temperature' ? { temperature: value } : { maxTokens: value })
        }}
      />
      <div class="row">
        <button
          type="button"
          onClick={() => {
            typed.value = { temperature: '', maxTokens: '' }
            notes.value = {}
            state.updateDraft(item.key, { system: undefined, temperature: undefined, maxTokens: undefined })
          }}
        >
          Same for all
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </>
  )
}

interface FieldsProps {
  idPrefix: string
  state: AppState
  system: string
  systemPlaceholder: string
  onSystem: (value: string) => void
  values: Record<SettingName, string>
  notes: Partial<Record<SettingName, string>>
  placeholder: string
  onInput: (name: SettingName, value: string) => void
  onCommit: (name: SettingName) => void
}

/** System prompt, temperature and max tokens, with their allowed ranges shown and clamped on change. */
function SettingsFields(props: FieldsProps) {
  const { idPrefix, state } = props
  const limits = state.limits.value
  const systemLength = lengthNote('The system prompt', props.system.length, limits.maxMessageChars)
  const field = (name: SettingName, label: string, step: number) => {
    const [min, max] = rangeOf(name, limits)
    const id = `${idPrefix}-${name}`
    const note = props.notes[name]
    return (
      <span class="setting">
        <label for={id}>{label}</label>
        <input
          id={id}
          type="number"
          inputMode={name === 'temperature' ? 'decimal' : 'numeric'}
          min={min}
          max={max}
          step={step}
          placeholder={props.placeholder}
          aria-describedby={`${id}-range ${id}-note`}
          value={props.values[name]}
          onInput={(event) => props.onInput(name, event.currentTarget.value)}
          onChange={() => props.onCommit(name)}
        />
        <span id={`${id}-range`} class="hint">
          {count(min)}–{count(max)}
        </span>
        <span id={`${id}-note`} class="note" role={note ? 'status' : undefined}>
          {note ?? ''}
        </span>
      </span>
    )
  }
  return (
    <div class="settings">
      <label for={`${idPrefix}-system`}>System prompt</label>
      <textarea
        id={`${idPrefix}-system`}
        dir="auto"
        rows={2}
        placeholder={props.systemPlaceholder}
        value={props.system}
        aria-describedby={`${idPrefix}-system-length`}
        onInput={(event) => props.onSystem(event.currentTarget.value)}
      />
      <p id={`${idPrefix}-system-length`} class={systemLength?.over ? 'problem' : 'hint'}>
        {systemLength?.text ?? ''}
      </p>
      <div class="row">
        {field('temperature', 'Temperature', 0.1)}
        {field('maxTokens', 'Max tokens', 1)}
      </div>
    </div>
  )
}
