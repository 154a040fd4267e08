// @ts-check
/** The command line and environment, read into options; anything wrong becomes a `UsageError` (exit 2). */
import { parseArgs } from 'node:util'

/** @import { ParticipantInput } from '../../shared/types.ts' */

/** A mistake in how the CLI was called. Its message is one sentence for the user. */
export class UsageError extends Error {
  /** @override */
  name = 'UsageError'
}

export const HELP = `Usage: ai-gateway-chat [options] "prompt"
       echo "prompt" | ai-gateway-chat [options]
       ai-gateway-chat --chat <id> ["follow-up"]

Sends one prompt to several AI models through an AI Gateway Chat server and shows
the answers side by side. A prompt of "-" is read from stdin.

Options:
  -m, --model <provider[:model]>  A participant; repeat for more
                                  (default: every configured provider)
      --system <text>             System prompt for every participant
      --temperature <0-2>         Sampling temperature
      --max-tokens <n>            Output token cap per answer
      --chat <id>                 Watch an existing chat; with a prompt, send its next turn
      --sync                      Wait for the finished chat in one request (?mode=sync)
      --json                      Print the final status document as JSON
      --md                        Print the chat's Markdown export
      --url <url>                 Server (default: $AI_CHAT_URL, else http://localhost:8888)
      --token <token>             Access token (default: $AI_CHAT_ACCESS_TOKEN)
  -h, --help                      Show this help
      --version                   Show the version

Exit codes: 0 at least one answer done, 1 every answer failed, 2 usage error,
3 HTTP or network error, 130 interrupted (the chat is cancelled on the server).
`

/**
 * @typedef {object} Options
 * @property {boolean} help
 * @property {boolean} version
 * @property {string} url The server's origin, without a trailing slash.
 * @property {string | undefined} token
 * @property {string | undefined} prompt The prompt given as an argument.
 * @property {boolean} stdin Read the prompt from stdin.
 * @property {string | undefined} chat An existing chat to watch or continue.
 * @property {ParticipantInput[] | undefined} participants
 * @property {string | undefined} system
 * @property {number | undefined} temperature
 * @property {number | undefined} maxTokens
 * @property {boolean} sync
 * @property {'text' | 'json' | 'md'} output
 * @property {number} pollWaitMs How long the server may hold a status request (`wait`).
 * @property {number} backoffMs The first wait after a failed request; it doubles up to 8 times this.
 * @property {number} giveUpMs How long requests may keep failing before the CLI gives up.
 */

/**
 * Reads the arguments (without `node` and the script) and the environment.
 * `stdinIsTTY` decides whether a missing prompt is read from stdin or is a usage error.
 * @param {string[]} argv
 * @param {Record<string, string | undefined>} env
 * @param {boolean} stdinIsTTY
 * @returns {Options}
 */
export function parseCliArgs(argv, env, stdinIsTTY) {
  const { values, positionals } = parse(argv)
  const chat = values.chat
  const prompt = positionals.length ? positionals.join(' ') : undefined
  if (values.json && values.md) throw new UsageError('Choose one of --json and --md.')
  if (chat !== undefined) {
    for (const flag of ['model', 'system', 'temperature', 'max-tokens']) {
      if (values[/** @type {keyof typeof values} */ (flag)] !== undefined) {
        throw new UsageError(`--${flag} applies to a new chat; a follow-up turn keeps each participant's settings.`)
      }
    }
  }
  const help = Boolean(values.help)
  const version = Boolean(values.version)
  const stdin = prompt === '-' || (prompt === undefined && chat === undefined && !stdinIsTTY)
  if (!help && !version && prompt === undefined && chat === undefined && !stdin) {
    throw new UsageError('No prompt: give it as an argument or on stdin.')
  }
  return {
    help,
    version,
    url: serverUrl(values.url ?? (env.AI_CHAT_URL || 'http://localhost:8888')),
    token: (values.token ?? env.AI_CHAT_ACCESS_TOKEN) || undefined,
    prompt: prompt === '-' ? undefined : prompt,
    stdin,
    chat,
    participants: values.model?.map(participant),
    system: values.system,
    temperature: values.temperature === undefined ? undefined : temperature(values.temperature),
    maxTokens: values['max-tokens'] === undefined ? undefined : maxTokens(values['max-tokens']),
    sync: Boolean(values.sync),
    output: values.json ? 'json' : values.md ? 'md' : 'text',
    // For tests: the CLI's waits, shortened.
    pollWaitMs: milliseconds(env.AI_CHAT_CLI_POLL_WAIT_MS, 2000),
    backoffMs: milliseconds(env.AI_CHAT_CLI_BACKOFF_MS, 500),
    giveUpMs: milliseconds(env.AI_CHAT_CLI_GIVE_UP_MS, 60_000),
  }
}

/** @param {string[]} argv */
function parse(argv) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        model: { type: 'string', short: 'm', multiple: true },
        system: { type: 'string' },
        temperature: { type: 'string' },
        'max-tokens': { type: 'string' },
        json: { type: 'boolean' },
        md: { type: 'boolean' },
        chat: { type: 'string' },
        sync: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    })
  } catch (error) {
    throw new UsageError(parseErrorMessage(/** @type {Error & { code?: string }} */ (error)))
  }
}

/** parseArgs' messages, shortened to one sentence. @param {Error & { code?: string }} error */
function parseErrorMessage(error) {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1]
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `Unknown option ${option}. See --help.`
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `${option} needs a value. See --help.`
  return error.message
}

/**
 * `provider` or `provider:model`, split at the first colon (`ollama:llama3.2:3b`).
 * @param {string} value
 * @returns {ParticipantInput}
 */
export function participant(value) {
  const colon = value.indexOf(':')
  const provider = colon < 0 ? value : value.slice(0, colon)
  const model = colon < 0 ? undefined : value.slice(colon + 1)
  if (!provider || model === '') throw new UsageError(`--model takes provider or provider:model, as in openai:gpt-5-mini; got "${value}".`)
  return model === undefined ? { provider } : { provider, model }
}

/** @param {string} value */
function temperature(value) {
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 2) {
    throw new UsageError(`--temperature must be a number from 0 to 2; got "${value}".`)
  }
  return number
}

/** @param {string} value */
function maxTokens(value) {
  const number = Number(value)
  if (!/^\d+$/.test(value) || number < 1) throw new UsageError(`--max-tokens must be a whole number of at least 1; got "${value}".`)
  return number
}

/** @param {string} value */
function serverUrl(value) {
  let url
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`--url must be an http:// or https:// address; got "${value}".`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http:// or https:// address; got "${value}".`)
  }
  return url.href.replace(/\/+$/, '')
}

/** @param {string | undefined} value @param {number} fallback */
function milliseconds(value, fallback) {
  const number = Number(value)
  return value && Number.isFinite(number) && number >= 0 ? number : fallback
}
