import { describe, expect, it } from 'vitest'
import { parseCliArgs } from '../src/args.js'

const parse = (argv: string[], env: Record<string, string> = {}, stdinIsTTY = true) => parseCliArgs(argv, env, stdinIsTTY)

describe('the command line', () => {
  it.each([
    ['openai', { provider: 'openai' }],
    ['openai:gpt-5-mini', { provider: 'openai', model: 'gpt-5-mini' }],
    ['ollama:llama3.2:3b', { provider: 'ollama', model: 'llama3.2:3b' }],
  ])('reads -m %s as a participant, split at the first colon', (value, participant) => {
    expect(parse(['-m', value, 'Hi']).participants).toEqual([participant])
  })

  it('takes the server and token from the environment, the flags winning', () => {
    expect(parse(['Hi'])).toMatchObject({ url: 'http://localhost:8888', token: undefined })
    expect(parse(['Hi'], { AI_CHAT_URL: 'https://chat.example.org/', AI_CHAT_ACCESS_TOKEN: 't1' })).toMatchObject({
      url: 'https://chat.example.org',
      token: 't1',
    })
    expect(parse(['--url', 'http://127.0.0.1:9999', '--token', 't2', 'Hi'], { AI_CHAT_URL: 'https://x.org', AI_CHAT_ACCESS_TOKEN: 't1' })).toMatchObject({
      url: 'http://127.0.0.1:9999',
      token: 't2',
    })
  })

  it('reads the prompt from stdin when none is given and stdin is not a terminal, or for "-"', () => {
    expect(parse([], {}, false)).toMatchObject({ prompt: undefined, stdin: true })
    expect(parse(['--chat', 'abc', '-'])).toMatchObject({ prompt: undefined, stdin: true, chat: 'abc' })
    expect(parse(['--chat', 'abc'], {}, false)).toMatchObject({ prompt: undefined, stdin: false })
    expect(parse(['Two', 'words'])).toMatchObject({ prompt: 'Two words', stdin: false })
  })

  it.each([
    [[], 'No prompt: give it as an argument or on stdin.'],
    [['--temperature', '2.5', 'Hi'], '--temperature must be a number from 0 to 2; got "2.5".'],
    [['--max-tokens', '1.5', 'Hi'], '--max-tokens must be a whole number of at least 1; got "1.5".'],
    [['--max-tokens', '0', 'Hi'], '--max-tokens must be a whole number of at least 1; got "0".'],
    [['-m', 'openai:', 'Hi'], '--model takes provider or provider:model, as in openai:gpt-5-mini; got "openai:".'],
    [['--url', 'localhost:8888', 'Hi'], '--url must be an http:// or https:// address; got "localhost:8888".'],
    [['--chat', 'abc', '--system', 'Be brief.', 'Hi'], "--system applies to a new chat; a follow-up turn keeps each participant's settings."],
    [['--url'], '--url needs a value. See --help.'],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(expect.objectContaining({ name: 'UsageError', message }))
  })
})
