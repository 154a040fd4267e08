import { markdown } from '../markdown.ts'

/**
 * An answer as sanitised Markdown, or as plain text until the renderer has loaded. `streaming` lets
 * the renderer hold back what is still being written at the end (an unclosed `**`, a half table row).
 */
export function MarkdownView({ text, streaming = false }: { text: string; streaming?: boolean }) {
  const renderer = markdown.current.value
  if (!renderer) {
    return (
      <div class="md plain" dir="auto">
        {text}
      </div>
    )
  }
  return <div class="md" dir="auto" dangerouslySetInnerHTML={{ __html: renderer.renderMarkdown(text, { streaming }) }} />
}
