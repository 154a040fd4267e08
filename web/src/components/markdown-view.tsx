import { markdown } from '../markdown.ts'

/** An answer as sanitised Markdown, or as plain text until the renderer has loaded. */
export function MarkdownView({ text }: { text: string }) {
  const renderer = markdown.current.value
  if (!renderer) return <div class="md plain">{text}</div>
  return <div class="md" dangerouslySetInnerHTML={{ __html: renderer.renderMarkdown(text) }} />
}
