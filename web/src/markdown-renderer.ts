/** Markdown through marked, then DOMPurify: no HTML a model writes reaches the DOM unsanitised. */
import DOMPurify from 'dompurify'
import { Marked } from 'marked'

const marked = new Marked({ gfm: true, async: false })

// Links from a model open in a new tab and tell the target nothing about this page.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer nofollow')
  }
})

export function renderMarkdown(markdown: string): string {
  return DOMPurify.sanitize(marked.parse(markdown) as string, {
    USE_PROFILES: { html: true },
    // Inline styles would break the page's CSP (and its look); forms have no business in an answer.
    FORBID_TAGS: ['style', 'form'],
    FORBID_ATTR: ['style'],
  })
}
