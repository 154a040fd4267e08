/**
 * The contract test's checker: every response an API test receives (through the harness) must be
 * one the OpenAPI document describes: its route and method, its status, the headers the document
 * names for it (required ones present, every named one valid), and its JSON body against the
 * response's schema. A response the document does not describe fails the test that received it.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { openApiDocument } from '../openapi.ts'

type Json = Record<string, any>

const document = openApiDocument() as Json
const ajv = new Ajv2020({ allErrors: true, strict: false })
addFormats.default ? addFormats.default(ajv) : (addFormats as unknown as (a: Ajv2020) => void)(ajv)
ajv.addSchema(document, 'openapi.json')

const resolve = (node: Json): Json => (node?.$ref ? resolve(node.$ref.replace('#/', '').split('/').reduce((at: Json, part: string) => at[part], document)) : node)

/** The document's path template matching a request path (`/api/ai/chat/{chatId}`), if any. */
function templateOf(pathname: string): string | undefined {
  const paths = Object.keys(document.paths)
  // Exact paths first (`/api/ai/chat/status` before `/api/ai/chat/{chatId}`).
  const exact = paths.find((path) => path === pathname)
  if (exact) return exact
  return paths.find((path) => new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname))
}

const validators = new Map<string, ReturnType<Ajv2020['compile']>>()
function validatorFor(pointer: string) {
  let validate = validators.get(pointer)
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi.json#${pointer}` })
    validators.set(pointer, validate)
  }
  return validate
}

const escape = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1')

export interface Exchange {
  method: string
  url: string
  status: number
  headers: Headers
  body: unknown
}

/** The reasons a response breaks the contract (empty when it keeps it). */
export function contractViolations({ method, url, status, headers, body }: Exchange): string[] {
  const { pathname } = new URL(url)
  if (!pathname.startsWith('/api/')) return []
  const template = templateOf(pathname)
  if (!template) return [`${method} ${pathname}: no route of the document matches`]
  const operations = document.paths[template] as Json
  const verb = method.toLowerCase()
  // OPTIONS and methods the route does not have are answered by the edge for every route: 204, or 405.
  if (verb === 'options' && status === 204) return []
  const operation = operations[verb === 'head' ? 'get' : verb]
  if (!operation) return status === 405 ? [] : [`${method} ${template}: the document has no such operation (status ${status})`]
  const described = operation.responses[String(status)]
  if (!described) return [`${method} ${template}: status ${status} is not described`]
  const response = resolve(described)
  const problems: string[] = []
  for (const [name, header] of Object.entries<Json>(response.headers ?? {})) {
    const spec = resolve(header)
    const value = headers.get(name)
    if (value === null) {
      if (spec.required) problems.push(`${method} ${template} ${status}: required header ${name} is missing`)
      continue
    }
    if (spec.schema && !ajv.validate(spec.schema, value)) problems.push(`${method} ${template} ${status}: header ${name} "${value}" does not match its schema`)
  }
  const type = headers.get('content-type')?.split(';')[0]?.trim()
  if (verb === 'head' || status === 304 || status === 204) return problems
  if (!type || !response.content?.[type]) {
    problems.push(`${method} ${template} ${status}: content type ${type ?? 'none'} is not described`)
    return problems
  }
  if (type === 'application/json') {
    const pointer = `/paths/${escape(template)}/${verb}/responses/${status}/content/application~1json/schema`
    const inline = described.$ref ? `${described.$ref.replace('#', '')}/content/application~1json/schema` : pointer
    const validate = validatorFor(inline)
    if (!validate(body)) problems.push(`${method} ${template} ${status}: body does not match: ${ajv.errorsText(validate.errors)}`)
  }
  return problems
}
