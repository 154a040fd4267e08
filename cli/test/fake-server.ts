/**
 * A stand-in for the REST API on a real port, for the CLI's tests. It speaks the contract (every
 * body it sends or takes is checked against the schemas of shared/schema.ts) and records each request.
 *
 * A turn moves one step per status request that already holds the current version: queued →
 * streaming → the first participant done → all done. So the progress follows the number of polls,
 * never the clock. A request with nothing to advance to is held for `wait` ms, then answered 304.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  AcceptedSchema,
  CancelAnswerSchema,
  ChatInputSchema,
  ErrorDocumentSchema,
  MessageInputSchema,
  StatusDocumentSchema,
  TurnAcceptedSchema,
} from '../../shared/schema.ts'
import type { Participant, ProviderResult, StatusDocument } from '../../shared/types.ts'

/** `answer`: every participant answers; `fail`: every one ends in an error; `hang`: they stream forever. */
export type Scenario = 'answer' | 'fail' | 'hang'

export interface FakeOptions {
  scenario?: Scenario
  /** The first POST /api/ai/chat is carried out, then its connection is dropped before the answer. */
  dropFirstPost?: boolean
  /** Every POST /api/ai/chat answers 500. */
  failPosts?: boolean
  /** Every status request answers 500. */
  failPolls?: boolean
}

export interface Recorded {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: unknown
}

interface FakeTurn {
  turn: number
  message: string
  participants: string[]
  step: number
  cancelled: boolean
}

interface FakeChat {
  id: string
  message: string
  participants: Participant[]
  turns: FakeTurn[]
  version: number
}

const DEFAULT_MODELS: Record<string, string> = {
  openai: 'gpt-5-mini',
  anthropic: 'claude-haiku-4-5',
  gemini: 'gemini-2.5-flash',
  ollama: 'llama3.2:1b',
}
const START = Date.parse('2026-01-05T10:00:00.000Z')
const at = (milliseconds: number) => new Date(START + milliseconds).toISOString()
const STEPS: Record<Scenario, number> = { answer: 3, fail: 1, hang: 1 }

/** The partial text every participant has while it streams. */
export const PARTIAL = 'The first words'
/** The full answer of participant `id`. */
export const answerOf = (id: string, message: string) => `${id} answers "${message}".\nSecond line.`

/**
 * Participant `index` of a turn at `step`. Participant 0 takes 812 ms with 154 tokens, the next
 * 400 ms more with 98 tokens; each has 420 ms to its first token.
 */
function result(scenario: Scenario, participant: Participant, index: number, turn: FakeTurn): ProviderResult {
  const base = { ok: false, text: '', provider: participant.provider, model: participant.model, attempt: 1, timings: { queuedAt: at(0) } }
  const started = { queuedAt: at(0), startedAt: at(100) }
  const streaming = { ...base, status: 'streaming' as const, text: PARTIAL, timings: { ...started, firstTokenAt: at(520) } }
  let current: ProviderResult = { ...base, status: 'queued' }
  if (scenario === 'fail' && turn.step >= 1) {
    current = {
      ...base,
      status: 'error',
      error: { code: 'auth', message: `${participant.provider} refused the API key.`, retryable: false },
      timings: { ...started, finishedAt: at(300) },
    }
  } else if (turn.step >= 2 + (index === 0 ? 0 : 1)) {
    const outputTokens = index === 0 ? 154 : 98
    current = {
      ...base,
      status: 'done',
      ok: true,
      text: answerOf(participant.id, turn.message),
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens },
      timings: { ...streaming.timings, finishedAt: at(912 + 400 * index) },
      cost: { inputUsd: 0.0001, outputUsd: index === 0 ? 0.0002 : 0.0004, totalUsd: index === 0 ? 0.0003 : 0.0005 },
    }
  } else if (turn.step >= 1) {
    current = streaming
  }
  if (turn.cancelled && (current.status === 'queued' || current.status === 'streaming')) {
    current = { ...current, status: 'cancelled', timings: { ...current.timings, finishedAt: at(2000) } }
  }
  return current
}

function turnStatus(results: ProviderResult[]): StatusDocument['status'] {
  if (results.every((r) => r.status === 'queued')) return 'pending'
  if (results.some((r) => r.status === 'queued' || r.status === 'streaming')) return 'processing'
  return results.some((r) => r.status === 'done') ? 'completed' : 'failed'
}

export async function startFakeServer(options: FakeOptions = {}) {
  const scenario = options.scenario ?? 'answer'
  const chats = new Map<string, FakeChat>()
  const idempotency = new Map<string, unknown>()
  const requests: Recorded[] = []
  let inFlight = 0
  let maxInFlight = 0
  let posts = 0

  function document(chat: FakeChat, latestOnly = true): StatusDocument {
    const turns = chat.turns.map((turn, position) => {
      const results = Object.fromEntries(
        chat.participants
          .filter((p) => turn.participants.includes(p.id))
          .map((p, index) => [p.id, result(scenario, p, index, turn)]),
      )
      const status = turnStatus(Object.values(results))
      const final = status === 'completed' || status === 'failed'
      const latest = position === chat.turns.length - 1
      return {
        turn: turn.turn,
        message: turn.message,
        createdAt: at(0),
        status,
        completedAt: final ? at(2000) : null,
        pick: null,
        participants: turn.participants,
        totalCostUsd: null,
        ...(latest || !latestOnly ? { results } : {}),
        final,
      }
    })
    const latest = turns.at(-1)!
    const doc: StatusDocument = {
      success: true,
      chatId: chat.id,
      status: latest.status,
      results: latest.results!,
      request: { message: chat.message, maxTokens: 1024 },
      demo: false,
      createdAt: at(0),
      completedAt: latest.completedAt,
      expiresAt: at(3_600_000),
      version: `v${chat.version}`,
      participants: chat.participants,
      totalCostUsd: null,
      turns: turns.map(({ final: _, ...turn }) => turn),
    }
    return StatusDocumentSchema.parse(doc)
  }

  function createChat(body: unknown): FakeChat | string {
    const input = ChatInputSchema.parse(body)
    const wanted = input.participants ?? [{ provider: 'openai' }, { provider: 'anthropic' }]
    const participants: Participant[] = []
    for (const { provider, model } of wanted) {
      if (!DEFAULT_MODELS[provider]) return `Unknown provider "${provider}". Known providers: ${Object.keys(DEFAULT_MODELS).join(', ')}.`
      const repeats = participants.filter((p) => p.provider === provider).length
      const id = repeats ? `${provider}-${repeats + 1}` : provider
      const chosen = model ?? DEFAULT_MODELS[provider]!
      participants.push({ id, provider, model: chosen, params: { model: chosen, maxTokens: 1024 } })
    }
    const chat: FakeChat = {
      id: randomUUID(),
      message: input.message,
      participants,
      turns: [{ turn: 1, message: input.message, participants: participants.map((p) => p.id), step: 0, cancelled: false }],
      version: 1,
    }
    chats.set(chat.id, chat)
    return chat
  }

  const finish = (chat: FakeChat) => {
    chat.turns.at(-1)!.step = STEPS[scenario]
    chat.version++
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url!, 'http://fake')
    const text = await new Promise<string>((resolve) => {
      let data = ''
      req.on('data', (chunk) => (data += chunk))
      req.on('end', () => resolve(data))
    })
    const body = text ? JSON.parse(text) : undefined
    requests.push({ method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body })
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value))
    }
    const error = (status: number, code: string, message: string) =>
      json(status, ErrorDocumentSchema.parse({ success: false, error: { code, message } }))
    const key = req.headers['idempotency-key'] as string | undefined
    const sync = url.searchParams.get('mode') === 'sync'

    if (req.method === 'POST' && url.pathname === '/api/ai/chat') {
      posts++
      if (options.failPosts) return error(500, 'internal', 'Something went wrong on our side. Try again in a moment.')
      let chatId = key ? (idempotency.get(key) as string | undefined) : undefined
      if (!chatId) {
        const created = createChat(body)
        if (typeof created === 'string') return error(400, 'unknown_provider', created)
        chatId = created.id
        if (key) idempotency.set(key, chatId)
      }
      if (options.dropFirstPost && posts === 1) return req.socket.destroy()
      const chat = chats.get(chatId)!
      if (sync) {
        finish(chat)
        return json(200, document(chat))
      }
      const statusUrl = `/api/ai/chat/${chatId}`
      return json(202, AcceptedSchema.parse({ success: true, chatId, status: 'pending', statusUrl }), { location: statusUrl })
    }

    const match = /^\/api\/ai\/chat\/([^/]+)(\/[a-z]+)?$/.exec(url.pathname)
    const chat = match && chats.get(decodeURIComponent(match[1]!))
    if (!chat) return error(404, 'not_found', 'There is no chat with this id. It may have expired.')
    const action = match![2]

    if (req.method === 'GET' && !action) {
      // In flight until the client has its answer or gave up (an aborted long poll).
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      res.on('close', () => inFlight--)
      if (options.failPolls) return error(500, 'internal', 'Something went wrong on our side. Try again in a moment.')
      const since = url.searchParams.get('since')
      const latest = chat.turns.at(-1)!
      if (since === `v${chat.version}`) {
        if (latest.step < STEPS[scenario] && !latest.cancelled) {
          latest.step++
          chat.version++
        } else {
          await new Promise((resolve) => {
            setTimeout(resolve, Number(url.searchParams.get('wait') ?? 0))
            res.on('close', resolve)
          })
          if (res.destroyed) return
          if (since === `v${chat.version}`) return res.writeHead(304).end()
        }
      }
      return json(200, document(chat, url.searchParams.get('turns') === 'latest'))
    }

    if (req.method === 'GET' && action === '/export') {
      const doc = document(chat, false)
      const lines = [`# ${chat.message}`]
      for (const [id, r] of Object.entries(doc.results)) lines.push('', `## ${id} (${r.model})`, '', r.text)
      res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' }).end(lines.join('\n') + '\n')
      return
    }

    if (req.method === 'POST' && action === '/messages') {
      const input = MessageInputSchema.parse(body)
      const known = key ? idempotency.get(key) : undefined
      if (known) return json(202, known)
      const latest = chat.turns.at(-1)!
      if (!document(chat).turns!.at(-1)!.completedAt) return error(409, 'conflict', 'Wait for every answer of the latest turn first.')
      const turn = latest.turn + 1
      chat.turns.push({ turn, message: input.message, participants: chat.participants.map((p) => p.id), step: 0, cancelled: false })
      chat.version++
      if (sync) {
        finish(chat)
        return json(200, document(chat))
      }
      const answer = TurnAcceptedSchema.parse({ success: true, chatId: chat.id, turn, statusUrl: `/api/ai/chat/${chat.id}` })
      if (key) idempotency.set(key, answer)
      return json(202, answer)
    }

    if (req.method === 'POST' && action === '/cancel') {
      const latest = chat.turns.at(-1)!
      const running = Object.entries(document(chat).results)
        .filter(([, r]) => r.status === 'queued' || r.status === 'streaming')
        .map(([id]) => id)
      latest.cancelled = true
      chat.version++
      const status = document(chat).status
      return json(running.length ? 202 : 200, CancelAnswerSchema.parse({ success: true, chatId: chat.id, status, cancelled: running }))
    }

    return error(405, 'method_not_allowed', 'This method is not allowed here.')
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error?.stack ?? error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    chats,
    get maxInFlight() {
      return maxInFlight
    },
    /** A chat whose first turn has finished, as if answered earlier. */
    seedFinishedChat(message = 'Hello') {
      const chat = createChat({ message }) as FakeChat
      finish(chat)
      return chat.id
    },
    /** The status document as a poll with `turns=latest` would get it now. */
    document: (id: string) => document(chats.get(id)!),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export type FakeServer = Awaited<ReturnType<typeof startFakeServer>>
