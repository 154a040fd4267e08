/** Finding and using the page's parts in tests, by what a user sees (labels, roles) where that is possible. */
import { fireEvent, screen, within } from '@testing-library/preact'

/** One participant's answer in one turn. */
export const card = (participant: string, turn = 1) =>
  document.querySelector<HTMLElement>(`.card[data-participant="${participant}"][data-turn="${turn}"]`)!
export const column = (participant: string) => document.querySelector<HTMLElement>(`.column[data-participant="${participant}"]`)!
/** The chat's status line (the first chat's). */
export const statusElement = () => document.querySelector<HTMLElement>('.chat-status [role="status"]')!
export const chatStatusLine = () => document.querySelector('.chat-status [role="status"]')?.textContent ?? ''
/** What the chat last announced to screen readers. */
export const announcement = () => document.querySelector('.chat-status [aria-live]')?.textContent
export const promptBox = () => screen.getByLabelText('Prompt') as HTMLTextAreaElement
export const followUpBox = () => screen.getByLabelText('Follow-up') as HTMLTextAreaElement
export const type = (element: HTMLElement, value: string) => fireEvent.input(element, { target: { value } })
/** A metric's value on an answer card ("Tokens in / out" → "12 / 240"). */
export const metric = (element: HTMLElement, name: string) => within(element).getByText(name).nextElementSibling?.textContent
/** The column titles in display order. */
export const headings = () => [...document.querySelectorAll('.column-head h3')].map((heading) => heading.textContent)
/** The participant ids of the columns in display order. */
export const order = () => [...document.querySelectorAll('.column')].map((element) => element.getAttribute('data-participant'))
/** The composer's columns as "Provider model". */
export const drafts = () =>
  [...document.querySelectorAll('.draft')].map((row) => `${row.querySelector('.draft-name')?.textContent} ${row.querySelector('select')?.value}`)

/** Types the prompt and presses Enter. */
export function submitPrompt(prompt: string) {
  type(promptBox(), prompt)
  fireEvent.keyDown(promptBox(), { key: 'Enter' })
}

export function addModel(provider: string, model: string) {
  fireEvent.change(screen.getByLabelText('Add model'), { target: { value: JSON.stringify([provider, model]) } })
  fireEvent.click(screen.getByRole('button', { name: 'Add' }))
}

/** Enter on a focused button: the browser turns it into a click. */
export function pressEnter(button: HTMLElement) {
  button.focus()
  fireEvent.keyDown(button, { key: 'Enter' })
  fireEvent.click(button)
}
