import { describe, expect, it } from 'vitest'
import { completePartialMarkdown } from './streaming-markdown.ts'

describe('completePartialMarkdown', () => {
  it.each([
    ['an open fence', '```js\nconst a = 1', '```js\nconst a = 1\n```'],
    ['an open fence after a newline', 'Run:\n\n```sh\nnpm start\n', 'Run:\n\n```sh\nnpm start\n```'],
    ['an open tilde fence', '~~~\ncode', '~~~\ncode\n~~~'],
    ['a fence of four backticks, with its own length', '````md\n```\nstill code', '````md\n```\nstill code\n````'],
    ['a half-typed closing fence', '```js\ncode\n``', '```js\ncode\n```'],
    ['an indented fence in a list item, at its indent', '- item\n\n  ```sh\nnpm start', '- item\n\n  ```sh\nnpm start\n  ```'],
    ['an open fence, leaving the markers inside it alone', 'Text\n\n```py\nx = "**[a]("', 'Text\n\n```py\nx = "**[a]("\n```'],
  ])('closes %s', (_case, partial, completed) => {
    expect(completePartialMarkdown(partial)).toBe(completed)
  })

  it.each([
    ['an open inline code span', 'Run `npm st', 'Run `npm st`'],
    ['an open double-backtick span', 'Use ``a ` b', 'Use ``a ` b``'],
    ['an open span ending in a backtick', 'Type ``a`', 'Type ``a` ``'],
    ['an open span with markers inside', 'Call `f(*args', 'Call `f(*args`'],
  ])('closes %s', (_case, partial, completed) => {
    expect(completePartialMarkdown(partial)).toBe(completed)
  })

  it.each([
    ['a lone backtick at the end', 'Run `', 'Run '],
    ['an opening **', '**Demo', 'Demo'],
    ['an opening ** after text', 'This is **Demo', 'This is Demo'],
    ['a closing * still one short (**Demo*)', '**Demo*', 'Demo'],
    ['a trailing ** that opens nothing yet', 'Hello **', 'Hello '],
    ['an opening __', 'A __strong wor', 'A strong wor'],
    ['an opening *', '*a* and *it', '*a* and it'],
    ['an opening _', '_a_ and _it', '_a_ and it'],
    ['an opening ***', '***both', 'both'],
    ['an opening ** with a closed code span before it', 'Code `**x**` and **bo', 'Code `**x**` and bo'],
    ['an opening ** in the last list item only', '- **a** b\n- c **d', '- **a** b\n- c d'],
    ['an opening ** in the last paragraph only', 'Old *stray\n\nNew **pa', 'Old *stray\n\nNew pa'],
    ['an opening ** after a closed fence', '```\n**\n```\nThen **bo', '```\n**\n```\nThen bo'],
    ['a link whose destination is unfinished', 'See [the docs](https://docs.net', 'See the docs'],
    ['a link whose destination has not started', 'See [the docs](', 'See the docs'],
    ['a link whose text is unfinished', 'See [the do', 'See the do'],
    ['a link with bold text', '[**Netlify**](https://', '**Netlify**'],
    ['an unfinished image', 'Look: ![chart](https://x', 'Look: '],
    ['an incomplete table row', '| a | b |\n| --- | --- |\n| 1 | 2', '| a | b |\n| --- | --- |\n'],
    ['a half-written delimiter row, with its header', 'Intro:\n\n| a | b |\n| --- | -', 'Intro:\n\n'],
    ['a header row without its delimiter row', 'Intro:\n\n| a | b |\n', 'Intro:\n\n'],
    ['a delimiter row with too few cells', '| a | b |\n| --- |\n', ''],
    ['a bare list marker', 'List:\n\n- ', 'List:\n\n'],
    ['a bare number marker', 'Steps:\n\n1.', 'Steps:\n\n'],
    ['a dash that would turn the line above into a heading', 'Text\n-', 'Text\n'],
    ['a bare heading marker', 'Intro\n\n## ', 'Intro\n\n'],
    ['a task box being typed', 'Tasks:\n\n- [', 'Tasks:\n\n'],
  ])('drops %s', (_case, partial, completed) => {
    expect(completePartialMarkdown(partial)).toBe(completed)
  })

  it.each([
    ['closed emphasis', 'A **bold** and *italic* and __strong__ and _em_ word'],
    ['bold at the very end', 'This is **Demo**'],
    ['underscores inside words', 'Call snake_case_name here'],
    ['lone asterisks between spaces', '2 * 3 = 6 and a * b'],
    ['escaped markers', 'A \\*literal\\* star and \\`tick'],
    ['a closed code span with markers', 'Use `a * b` and `__init__`'],
    ['a finished link', 'Done: [a](https://a.example).'],
    ['brackets that are not a link', 'See [1] and [the docs] later'],
    ['a finished table', '| a | b |\n| :-- | --: |\n| 1 | 2 |\n'],
    ['a finished table without a newline after its last row', '| a | b |\n| --- | --- |\n| 1 | 2 |\n\nAfter.'],
    ['a closed fence', '```js\nconst a = "**"\n```'],
    ['a list', '- one\n- two **2**\n'],
  ])('leaves %s as written', (_case, finished) => {
    expect(completePartialMarkdown(finished)).toBe(finished)
  })
})
