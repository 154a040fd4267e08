import type { AppState } from '../app-state.ts'
import { clockTime } from '../format.ts'
import { isExpired } from '../recent-chats.ts'

/** Chats asked from this browser, newest first; each reopens by its permalink. */
export function RecentList({ state }: { state: AppState }) {
  const list = state.recent.value
  if (list.length === 0) return null
  const now = Date.now()
  return (
    <nav class="recent" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent chats</h2>
      <ul>
        {list.map((chat) => {
          const expired = isExpired(chat, now)
          return (
            <li key={chat.id} class={expired ? 'expired' : undefined}>
              <a
                dir="auto"
                href={`?chat=${encodeURIComponent(chat.id)}`}
                onClick={(event) => {
                  event.preventDefault()
                  state.openChat(chat.id)
                }}
              >
                {chat.prompt}
              </a>
              <time dateTime={chat.createdAt}>{clockTime(chat.createdAt, now)}</time>
              {expired && <span class="tag">expired</span>}
            </li>
          )
        })}
      </ul>
    </nav>
  )
}
