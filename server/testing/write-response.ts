import type { ServerResponse } from 'node:http'

/** Sends a fetch `Response` on a node:http response, streaming its body as it comes. Throws if the body breaks. */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers))
  const reader = response.body?.getReader()
  for (;;) {
    const next = await reader?.read()
    if (!next || next.done) break
    res.write(next.value)
  }
  res.end()
}
