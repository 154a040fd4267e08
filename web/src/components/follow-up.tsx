import type { ChatSession } from '../chat-session.ts'

/**
 * The next message of the conversation, sent to every column or only to the checked ones
 * ("Continue with this one" in each column's head).
 */
export function FollowUp({ chat }: { chat: ChatSession }) {
  const blocked = chat.followUpBlocked.value
  const length = chat.followUpLength.value
  const text = chat.followUp.value
  const chosen = chat.continuing.value.length
  const all = chosen === chat.participants.value.length
  const id = `follow-${chat.id}`
  const disabled = !!blocked || !text.trim()
  const send = () => void chat.sendFollowUp()
  return (
    <form
      class="follow-up"
      aria-label="Continue this chat"
      noValidate
      onSubmit={(event) => {
        event.preventDefault()
        send()
      }}
    >
      <label for={id}>Follow-up</label>
      <textarea
        id={id}
        dir="auto"
        rows={2}
        placeholder={all ? 'Ask every column a follow-up…' : `Ask the ${chosen} checked columns a follow-up…`}
        aria-describedby={`${id}-why ${id}-length`}
        aria-invalid={length?.over || undefined}
        value={text}
        onInput={(event) => (chat.followUp.value = event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return
          event.preventDefault()
          send()
        }}
      />
      <div class="send">
        <button type="submit" aria-disabled={disabled} aria-describedby={`${id}-why`}>
          {chat.pending.value.send !== undefined ? 'Sending…' : all ? 'Send to all' : `Send to ${chosen} of ${chat.participants.value.length}`}
        </button>
        <p id={`${id}-why`} class={blocked && blocked !== 'Sending…' ? 'why' : 'hint'}>
          {blocked ?? 'Enter sends, Shift+Enter starts a new line.'}
        </p>
        <p id={`${id}-length`} class="hint counter" aria-live="polite">
          {length && !length.over ? length.text : ''}
        </p>
      </div>
    </form>
  )
}
