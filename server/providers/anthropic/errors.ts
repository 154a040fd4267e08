/** Anthropic reports errors inside a running stream as an `error` event without an HTTP status: its type says which. */
const TYPE_TO_STATUS: Readonly<Record<string, number>> = {
  overloaded_error: 529,
  rate_limit_error: 429,
  api_error: 500,
  authentication_error: 401,
  permission_error: 403,
  invalid_request_error: 400,
  not_found_error: 404,
}

/** The HTTP status an Anthropic error body's type stands for, if it names one. */
export function anthropicErrorStatus(error: unknown): number | undefined {
  const e = error as { type?: unknown; error?: { type?: unknown; error?: { type?: unknown } } } | undefined
  const type = [e?.type, e?.error?.error?.type, e?.error?.type].find((t): t is string => typeof t === 'string' && t in TYPE_TO_STATUS)
  return type ? TYPE_TO_STATUS[type] : undefined
}
