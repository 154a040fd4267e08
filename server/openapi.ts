/**
 * The OpenAPI 3.1 document of the REST API, built from the same zod schemas that type and validate
 * it (shared/schema.ts), so it cannot drift from the code. It never changes with settings (limits
 * and providers are in `/api/ai/models`). Served at `/api/openapi.json`; linted with
 * `@redocly/cli lint` in `npm test`; every response of the server tests is checked against it.
 */
import { z } from 'zod'
import '../shared/schema.ts'
import { API_ERROR_CODES } from '../shared/schema.ts'
import examples from './openapi-examples.json' with { type: 'json' }

type Json = Record<string, unknown>

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const jsonBody = (schema: string, example?: unknown, description?: string): Json => ({
  ...(description ? { description } : {}),
  content: { 'application/json': { schema: ref(schema), ...(example !== undefined ? { example } : {}) } },
})

/** Every error answer: the one error shape, with the codes a route can give in its description. */
const error = (description: string, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('Error') } },
})

const RETRY_AFTER = { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } }
const LOCATION = { Location: { $ref: '#/components/headers/Location' } }
const COMMON_ERRORS: Json = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '405': { $ref: '#/components/responses/MethodNotAllowed' },
  '429': { $ref: '#/components/responses/RateLimited' },
  '500': { $ref: '#/components/responses/Internal' },
}
const CHAT_ERRORS: Json = {
  '400': error('`invalid_id` (not a chat id), or `invalid_request`.'),
  '404': error('`not_found`: no such chat (never existed, or cleaned up).'),
  '410': error('`expired`: past its `expiresAt`.'),
}
const chatIdParam = { $ref: '#/components/parameters/ChatId' }
const idempotencyParam = { $ref: '#/components/parameters/IdempotencyKey' }
const modeParam = { $ref: '#/components/parameters/Mode' }

function operation(operationId: string, summary: string, description: string, fields: Json): Json {
  return { operationId, summary, description, tags: ['chats'], ...fields, responses: { ...(fields.responses as Json), ...COMMON_ERRORS } }
}

const statusOperation = (operationId: string, parameters: unknown[]) =>
  operation(operationId, "A chat's status", 'Every participant\'s partial or final answer. With `since` and `wait`, held until the document changes.', {
    parameters: [
      ...parameters,
      { name: 'since', in: 'query', required: false, description: 'The `version` the client holds: 304 when it is still current.', schema: { type: 'string' } },
      { name: 'wait', in: 'query', required: false, description: 'Hold the request up to this many milliseconds while nothing changes.', schema: { type: 'integer', minimum: 0, maximum: 10000 } },
      { name: 'turns', in: 'query', required: false, description: '`latest`: earlier turns come without their results.', schema: { type: 'string', enum: ['all', 'latest'], default: 'all' } },
      { name: 'If-None-Match', in: 'header', required: false, description: 'Like `since` (the `ETag` of an earlier answer).', schema: { type: 'string' } },
    ],
    responses: {
      '200': { ...jsonBody('StatusDocument', examples.status, 'The status document.'), headers: { ETag: { $ref: '#/components/headers/ETag' } } },
      '304': { description: 'Nothing changed since `since`.', headers: { ETag: { $ref: '#/components/headers/ETag' } } },
      ...CHAT_ERRORS,
    },
  })

/** The document (the same on every call). */
export function openApiDocument(): Json {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> }
  for (const schema of Object.values(schemas)) {
    delete schema.$schema
    delete schema.$id
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AI Gateway Chat',
      version: '1.0.0',
      description:
        'Send one prompt to several AI models at once and compare their answers as they stream in. `POST /api/ai/chat` answers 202 with a chat id at once; background functions call every model; `GET /api/ai/chat/{id}` returns partial and final results. Errors are `{ success: false, error: { code, message } }`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'This deploy' }],
    // The bearer token is needed only when the server sets AI_CHAT_ACCESS_TOKEN.
    security: [{}, { bearerAuth: [] }],
    tags: [
      { name: 'chats', description: 'Comparisons: create, follow up, read, cancel, retry, pick, export.' },
      { name: 'service', description: 'Models, health and this document.' },
    ],
    paths: {
      '/api/ai/chat': {
        post: operation('createChat', 'Start a comparison', 'Stores the chat and answers 202 at once; the answers arrive in the background. `?mode=sync` answers when they are done.', {
          parameters: [modeParam, idempotencyParam],
          requestBody: { required: true, ...jsonBody('ChatInput', examples.chatInput) },
          responses: {
            '200': jsonBody('StatusDocument', examples.status, 'With `?mode=sync`: the finished status document.'),
            '202': { ...jsonBody('Accepted', examples.accepted, 'Accepted: poll `statusUrl`.'), headers: LOCATION },
            '400': error('`invalid_json`, `invalid_request`, `unknown_provider`, `provider_not_configured` or `model_not_allowed`.'),
            '409': error('`conflict`: a request with this Idempotency-Key is still being processed.', RETRY_AFTER),
            '413': error('`payload_too_large`: the body, message or system prompt is too long.'),
            '422': error('`idempotency_mismatch`: this Idempotency-Key was used with another body.'),
          },
        }),
      },
      '/api/ai/chat/{chatId}': { get: statusOperation('getChat', [chatIdParam]) },
      '/api/ai/chat/status': {
        get: statusOperation('getChatStatus', [{ name: 'id', in: 'query', required: true, description: 'The chat id (the same document as `/api/ai/chat/{chatId}`).', schema: { type: 'string', format: 'uuid' } }]),
      },
      '/api/ai/chat/{chatId}/messages': {
        post: operation('sendMessage', 'Add a turn', 'A follow-up message; each participant continues from its own earlier answers.', {
          parameters: [chatIdParam, modeParam, idempotencyParam],
          requestBody: { required: true, ...jsonBody('MessageInput', examples.messageInput) },
          responses: {
            '200': jsonBody('StatusDocument', undefined, 'With `?mode=sync`: the status document once the turn finished.'),
            '202': { ...jsonBody('TurnAccepted', examples.turnAccepted, 'Accepted: poll `statusUrl`.'), headers: LOCATION },
            ...CHAT_ERRORS,
            '409': error('`conflict`: a participant of the latest turn is still running, or the Idempotency-Key is in use.', RETRY_AFTER),
            '413': error('`payload_too_large`: too many turns, too long a conversation, or a document that would pass its size budget.'),
            '422': error('`idempotency_mismatch`.'),
          },
        }),
      },
      '/api/ai/chat/{chatId}/cancel': {
        post: operation('cancelChat', 'Stop the latest turn', 'Stops every queued or streaming participant, or the one named. One that finishes first still ends `done`.', {
          parameters: [chatIdParam],
          requestBody: { required: false, ...jsonBody('CancelInput') },
          responses: {
            '200': jsonBody('CancelAnswer', undefined, 'Nothing was running (`cancelled: []`).'),
            '202': jsonBody('CancelAnswer', examples.cancel, 'The participants asked to stop.'),
            ...CHAT_ERRORS,
          },
        }),
      },
      '/api/ai/chat/{chatId}/retry': {
        post: operation('retryParticipant', 'Retry a participant', 'A new attempt of a participant of the latest turn that failed or was cancelled.', {
          parameters: [chatIdParam],
          requestBody: { required: true, ...jsonBody('RetryInput') },
          responses: {
            '202': { ...jsonBody('RetryAnswer', examples.retry, 'The new attempt started.'), headers: LOCATION },
            ...CHAT_ERRORS,
            '409': error('`conflict`: the participant is not failed or cancelled, is being retried, or has had 5 attempts.'),
          },
        }),
      },
      '/api/ai/chat/{chatId}/turns/{turn}/pick': {
        post: operation('pickAnswer', 'Pick the best answer of a turn', 'Records the pick (a later pick replaces it).', {
          parameters: [chatIdParam, { $ref: '#/components/parameters/Turn' }],
          requestBody: { required: true, ...jsonBody('PickInput') },
          responses: { '200': jsonBody('PickAnswer', examples.pick, 'The pick of the turn.'), ...CHAT_ERRORS, '404': error('`not_found`: no such chat or turn.') },
        }),
        delete: operation('clearPick', 'Clear the pick of a turn', 'The turn has no pick afterwards (`pick: null`).', {
          parameters: [chatIdParam, { $ref: '#/components/parameters/Turn' }],
          responses: { '200': jsonBody('PickAnswer', undefined, 'The pick is cleared.'), ...CHAT_ERRORS, '404': error('`not_found`: no such chat or turn.') },
        }),
      },
      '/api/ai/chat/{chatId}/export': {
        get: operation('exportChat', 'Download the whole comparison', 'Every turn and answer, as Markdown or JSON, with `Content-Disposition: attachment`.', {
          parameters: [chatIdParam, { name: 'format', in: 'query', required: false, description: '`md` (default) or `json`.', schema: { type: 'string', enum: ['md', 'json'], default: 'md' } }],
          responses: {
            '200': {
              description: 'The transcript (`md`) or the status document with every turn (`json`).',
              headers: { 'Content-Disposition': { $ref: '#/components/headers/ContentDisposition' } },
              content: { 'text/markdown': { schema: { type: 'string' } }, 'application/json': { schema: ref('StatusDocument') } },
            },
            ...CHAT_ERRORS,
          },
        }),
      },
      '/api/ai/models': {
        get: {
          ...operation('listModels', 'Providers, models and limits', 'Which providers can be asked, for which models, and the limits a request must respect.', {
            responses: { '200': jsonBody('ModelsDocument', examples.models, 'The providers and limits.') },
          }),
          tags: ['service'],
        },
      },
      '/api/health': {
        get: {
          ...operation('health', 'Health check', 'Answers without touching storage or providers.', { responses: { '200': jsonBody('Health', { success: true }, 'Up.') } }),
          tags: ['service'],
        },
      },
      '/api/openapi.json': {
        get: {
          ...operation('openapi', 'This document', 'The OpenAPI 3.1 document of this API.', {
            responses: { '200': { description: 'The document.', content: { 'application/json': { schema: { type: 'object' } } } } },
          }),
          tags: ['service'],
        },
      },
    },
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Only when the server sets AI_CHAT_ACCESS_TOKEN: `Authorization: Bearer <token>`.' },
      },
      parameters: {
        ChatId: { name: 'chatId', in: 'path', required: true, description: 'The chat id a POST returned.', schema: { type: 'string', format: 'uuid' } },
        Turn: { name: 'turn', in: 'path', required: true, description: 'The turn, from 1.', schema: { type: 'integer', minimum: 1 } },
        Mode: { name: 'mode', in: 'query', required: false, description: '`sync` answers with the finished document (the rollback path).', schema: { type: 'string', enum: ['background', 'sync'] } },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'A key of 1-255 printable characters, fresh per action: a repeat with the same body returns the first answer and starts nothing.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
      headers: {
        Location: { description: 'The status URL of the chat.', required: true, schema: { type: 'string', pattern: '^/api/ai/chat/' } },
        RetryAfter: { description: 'Seconds to wait before trying again.', schema: { type: 'string', pattern: '^\\d+$' } },
        ETag: { description: 'The document version, quoted.', required: true, schema: { type: 'string', pattern: '^"[^"]+"$' } },
        ContentDisposition: { description: '`attachment; filename="…"`', required: true, schema: { type: 'string', pattern: '^attachment; filename="[^"]+"$' } },
      },
      responses: {
        Unauthorized: error('`unauthorized`: the server needs its access token.', { 'WWW-Authenticate': { description: 'Bearer challenge.', required: true, schema: { type: 'string', pattern: '^Bearer ' } } }),
        MethodNotAllowed: error('`method_not_allowed`.', { Allow: { description: 'The allowed methods.', required: true, schema: { type: 'string' } } }),
        RateLimited: error('`rate_limited`: this client already has its maximum of chats running.', {
          'Retry-After': { description: 'Seconds to wait before trying again.', required: true, schema: { type: 'string', pattern: '^\\d+$' } },
        }),
        Internal: error('`internal`: logged on the server.'),
      },
    },
  }
}

/** The error codes of the contract (for the README's table and tests). */
export const ERROR_CODES = API_ERROR_CODES
