/** The parts of the first screen that can arrive just after it: one lazy chunk. */
export { RecentList } from './recent-list.tsx'
export { SetupPanel } from './setup-panel.tsx'
export { TokenForm } from './token-form.tsx'
