#!/usr/bin/env node
// @ts-check
/**
 * ai-gateway-chat: sends one prompt to several AI models through an AI Gateway Chat server's REST
 * API and shows the answers. This file wires the parts together and owns the exit codes and Ctrl-C.
 */
import { readFileSync } from 'node:fs'
import { ApiError, createApi } from '../src/api.js'
import { HELP, UsageError, parseCliArgs } from '../src/args.js'
import { createEventRenderer, createLiveRenderer, writeAnswers } from '../src/render.js'
import { latestTurn, watchChat } from '../src/watch.js'

/** @import { ChatInput, StatusDocument } from '../../shared/types.ts' */
/** @import { Api } from '../src/api.js' */
/** @import { Options } from '../src/args.js' */

const EXIT_DONE = 0
const EXIT_ALL_FAILED = 1
const EXIT_USAGE = 2
const EXIT_HTTP = 3
const EXIT_INTERRUPTED = 130

/** @param {string} message */
const warn = (message) => process.stderr.write(`ai-gateway-chat: ${message}\n`)

/** @param {number} code @param {string} message */
function fail(code, message) {
  warn(message)
  return code
}

/** @returns {Promise<number>} */
async function main() {
  /** @type {Options} */
  let options
  try {
    options = parseCliArgs(process.argv.slice(2), process.env, Boolean(process.stdin.isTTY))
  } catch (error) {
    if (error instanceof UsageError) return fail(EXIT_USAGE, error.message)
    throw error
  }
  if (options.help) return print(HELP)
  if (options.version) return print(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`)
  const prompt = options.stdin ? await readStdin() : options.prompt
  if (options.stdin && !prompt) return fail(EXIT_USAGE, 'No prompt: stdin was empty.')

  const api = createApi(options)
  const controller = new AbortController()
  let interrupted = false
  process.on('SIGINT', () => {
    // A second Ctrl-C does not wait for the cancel.
    if (interrupted) process.exit(EXIT_INTERRUPTED)
    interrupted = true
    controller.abort()
  })

  // With --json or --md, stdout carries only the document; progress shows on a terminal's stderr.
  const progress = options.output === 'text' ? process.stdout : process.stderr
  const liveView = progress.isTTY && process.env.TERM !== 'dumb' ? createLiveRenderer(progress) : null
  const view = liveView ?? (options.output === 'text' ? createEventRenderer(progress) : null)
  /** @type {(problem: ApiError | null) => void} */
  const onProblem = liveView ? liveView.problem : (problem) => problem && warn(`${problem.message} Retrying…`)
  process.on('exit', () => view?.end())
  // Killed by a signal, Node skips 'exit' handlers: end through process.exit, which runs them.
  process.on('SIGTERM', () => process.exit(143))
  const ticker = setInterval(() => view?.tick(), 250)

  /** @type {Session} */
  const session = { chatId: options.chat, fromTurn: 1, last: null }
  try {
    try {
      await follow(api, options, prompt, session, { signal: controller.signal, onDocument: (doc) => view?.update(doc), onProblem })
    } catch (error) {
      if (!interrupted) throw error
    }
    if (interrupted) {
      if (!session.chatId) return fail(EXIT_INTERRUPTED, 'Interrupted before the server answered; the chat may still run on the server.')
      session.last = await stop(api, { ...session, chatId: session.chatId }, options.pollWaitMs)
      if (session.last) view?.update(session.last)
    }
    view?.end()
    const { last } = session
    if (!last) return EXIT_INTERRUPTED
    if (options.output === 'json') process.stdout.write(`${JSON.stringify(last, null, 2)}\n`)
    else if (options.output === 'md') process.stdout.write((await api.markdown(last.chatId)).replace(/\n*$/, '\n'))
    else writeAnswers(last, process.stdout)
    if (options.output !== 'json') process.stderr.write(`Chat ${last.chatId}. Continue it with: ai-gateway-chat --chat ${last.chatId} "…"\n`)
    if (interrupted) return EXIT_INTERRUPTED
    return Object.values(last.results).some((result) => result.status === 'done') ? EXIT_DONE : EXIT_ALL_FAILED
  } catch (error) {
    view?.end()
    if (error instanceof ApiError) return fail(EXIT_HTTP, error.message)
    throw error
  } finally {
    clearInterval(ticker)
  }
}

/**
 * What is known of the chat so far, kept up to date by `follow` so that Ctrl-C can use it.
 * @typedef {{ chatId: string | undefined, fromTurn: number, last: StatusDocument | null }} Session
 */

/**
 * Sends the prompt, as a new chat or the next turn of `--chat`, then follows the chat until the turn
 * is final (unless `--sync` brought the finished chat at once).
 * @param {Api} api
 * @param {Options} options
 * @param {string | undefined} prompt
 * @param {Session} session
 * @param {{ signal: AbortSignal, onDocument: (doc: StatusDocument) => void, onProblem?: (problem: ApiError | null) => void }} events
 */
async function follow(api, options, prompt, session, { signal, onDocument, onProblem }) {
  if (prompt !== undefined) {
    const request = { sync: options.sync, signal }
    const answer = session.chatId
      ? await api.sendMessage(session.chatId, { message: prompt }, request)
      : await api.createChat(chatInput(options, prompt), request)
    session.chatId = answer.chatId
    if ('turn' in answer) session.fromTurn = answer.turn
    if ('results' in answer) {
      session.last = answer
      return onDocument(answer)
    }
  }
  const { pollWaitMs: waitMs, backoffMs, giveUpMs } = options
  const watching = { waitMs, backoffMs, giveUpMs, fromTurn: session.fromTurn, signal, onProblem }
  for await (const doc of watchChat(api, /** @type {string} */ (session.chatId), watching)) {
    session.last = doc
    onDocument(doc)
  }
}

/**
 * After Ctrl-C: cancels the chat on the server and returns the latest document, which holds what
 * arrived (waiting briefly for the cancel to show).
 * @param {Api} api
 * @param {Session & { chatId: string }} session
 * @param {number} waitMs
 */
async function stop(api, { chatId, fromTurn, last }, waitMs) {
  try {
    await api.cancel(chatId)
  } catch (error) {
    warn(`Could not cancel the chat: ${error instanceof Error ? error.message : error}`)
  }
  try {
    const doc = await api.status(chatId, { since: last?.version, waitMs: Math.min(waitMs, 1000) })
    if (doc && latestTurn(doc) >= fromTurn) return doc
  } catch {
    // What arrived before Ctrl-C is shown instead.
  }
  return last
}

/**
 * @param {Options} options
 * @param {string} message
 * @returns {ChatInput}
 */
function chatInput({ participants, system, temperature, maxTokens }, message) {
  /** @type {ChatInput} */
  const input = { message }
  if (participants) input.participants = participants
  if (system !== undefined) input.system = system
  if (temperature !== undefined) input.temperature = temperature
  if (maxTokens !== undefined) input.maxTokens = maxTokens
  return input
}

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8').replace(/\s+$/, '')
}

/** @param {string} text */
function print(text) {
  process.stdout.write(text)
  return EXIT_DONE
}

// `ai-gateway-chat … | head` closes the pipe early: stop quietly.
process.stdout.on('error', (error) => {
  if (/** @type {NodeJS.ErrnoException} */ (error).code === 'EPIPE') process.exit(EXIT_DONE)
  throw error
})

process.exitCode = await main()
