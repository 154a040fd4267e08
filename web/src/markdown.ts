/**
 * The Markdown renderer (marked + DOMPurify), loaded after first paint so it stays out of the first
 * screen's JS. Until it arrives, answers show as plain text (a text node, so nothing is interpreted).
 */
import { lazyModule } from './lazy-module.ts'

export const markdown = lazyModule(() => import('./markdown-renderer.ts'))
