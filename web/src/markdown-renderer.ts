/** Markdown through marked, then DOMPurify: no HTML a model writes reaches the DOM unsanitised. */
import DOMPurify from 'dompurify'
import { Marked } from 'marked'
import { completePartialMarkdown } from './streaming-markdown.ts'

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    // A task list's box as a character: a checkbox in an answer would look like a control of the page.
    checkbox: ({ checked }) => (checked ? '☑ ' : '☐ '),
  },
})

/**
 * What an answer may contain: text formatting, headings, lists, quotes, tables, code and links (and
 * inline images, see below). Anything else could draw or impersonate the page's own UI, or load
 * something: form controls and forms, details/summary, dialogs, media, frames, objects, canvases,
 * styles. So this is a list of what is allowed rather than of what is not.
 */
const ALLOWED_TAGS = [
  ...['p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'div', 'span'],
  ...['ul', 'ol', 'li', 'dl', 'dt', 'dd'],
  ...['table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td'],
  ...['a', 'img', 'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins', 'mark', 'small', 'sub', 'sup'],
  ...['abbr', 'cite', 'q', 'kbd', 'samp', 'var', 'wbr'],
]

/**
 * No `id` or `name` (they clobber the page's globals and anchors), `class`, `style`, `role`, `aria-*`
 * or `data-*` (they borrow the page's look and meaning), nor `srcset`, `background` and the like
 * (they load images past the check below). `align` is how marked aligns table columns.
 */
const ALLOWED_ATTR = ['href', 'title', 'alt', 'src', 'align', 'colspan', 'rowspan', 'start']

const isDataUrl = (url: string | null) => url?.trimStart().toLowerCase().startsWith('data:') ?? false

/** Links open in a new tab and tell the target nothing about this page. */
function openApart(link: Element): void {
  link.setAttribute('target', '_blank')
  link.setAttribute('rel', 'noopener noreferrer nofollow')
}

/**
 * An image from elsewhere as a link instead: loading it would tell its server that (and when) the
 * answer was read, and a model can be led to put conversation text in its URL.
 */
function imageAsLink(image: Element): Node {
  const alt = image.getAttribute('alt')?.trim()
  const label = `[image${alt ? `: ${alt}` : ''}]`
  const src = image.getAttribute('src') ?? ''
  const document = image.ownerDocument
  if (!/^https?:\/\//i.test(src)) return document.createTextNode(label)
  const link = document.createElement('a')
  link.setAttribute('href', src)
  link.textContent = label
  openApart(link)
  return link
}

// An instance of our own: DOMPurify's hooks are per instance, so nothing else on the page gets these
// (and a module evaluated again, e.g. by hot reload, never adds them twice to the same instance).
const purify = DOMPurify()
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') openApart(node)
  else if (node.tagName === 'IMG' && !isDataUrl(node.getAttribute('src'))) node.replaceWith(imageAsLink(node))
})

/**
 * An answer as sanitised HTML. While `streaming`, what is still being written at the end (an open
 * code fence, a dangling `**`, a half link or table row) is closed or held back first, so raw
 * Markdown does not flash up before the next chunk completes it. Finished answers render as written.
 */
export function renderMarkdown(markdown: string, options?: { streaming?: boolean }): string {
  const source = options?.streaming ? completePartialMarkdown(markdown) : markdown
  return purify.sanitize(marked.parse(source) as string, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_ARIA_ATTR: false,
    ALLOW_DATA_ATTR: false,
  })
}
