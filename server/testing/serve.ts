/**
 * The in-process platform on a real port, for a client that runs in another process (the CLI's
 * tests). Requests reach the functions as if sent to the platform's own origin, so the runs they
 * trigger stay in-process, and providers are whatever the harness's msw plays.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Platform } from './platform.ts'
import { writeResponse } from './write-response.ts'

/** The whole body of a node:http request. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export interface Served {
  url: string
  close(): Promise<void>
}

export async function serve(platform: Platform): Promise<Served> {
  const server = createServer(async (req, res) => {
    const method = req.method ?? 'GET'
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, [value].flat().join(', '))
    // A client that goes away (the CLI on Ctrl-C) aborts its held poll.
    const gone = new AbortController()
    res.once('close', () => gone.abort())
    const request = new Request(new URL(req.url ?? '/', platform.origin), { method, headers, signal: gone.signal, ...(body ? { body: new Uint8Array(body) } : {}) })
    try {
      await writeResponse(await platform.fetch(request), res)
    } catch (error) {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
