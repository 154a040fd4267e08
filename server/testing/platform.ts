/**
 * A small in-process Netlify: routes requests to the function handlers (imported once, like warm
 * instances), gives them a Context with `waitUntil` and `params`, and runs background functions
 * the way Netlify does (the caller gets 202 at once). Tests and the warm benchmark use it.
 */
import type { Config, Context } from '@netlify/functions'
import * as chat from '../../netlify/functions/ai-chat.mts'
import * as status from '../../netlify/functions/ai-chat-status.mts'
import * as messages from '../../netlify/functions/ai-chat-messages.mts'
import * as cancel from '../../netlify/functions/ai-chat-cancel.mts'
import * as retry from '../../netlify/functions/ai-chat-retry.mts'
import * as pick from '../../netlify/functions/ai-chat-pick.mts'
import * as exportChat from '../../netlify/functions/ai-chat-export.mts'
import * as openapi from '../../netlify/functions/openapi.mts'
import * as models from '../../netlify/functions/ai-models.mts'
import * as health from '../../netlify/functions/health.mts'
import * as cleanup from '../../netlify/functions/ai-chat-cleanup.mts'
import * as run from '../../netlify/functions/ai-chat-run-background.mts'
import * as runSync from '../../netlify/functions/ai-chat-run-sync.mts'
import * as runDemo from '../../netlify/functions/ai-chat-run-demo-background.mts'
import * as runDemoSync from '../../netlify/functions/ai-chat-run-demo-sync.mts'

type Module = { default: (req: Request, context: Context) => Promise<Response | void>; config?: Config }

export interface PlatformFunction {
  name: string
  module: Module
}

export const FUNCTIONS: PlatformFunction[] = [
  { name: 'ai-chat', module: chat as Module },
  { name: 'ai-chat-status', module: status as Module },
  { name: 'ai-chat-messages', module: messages as Module },
  { name: 'ai-chat-cancel', module: cancel as Module },
  { name: 'ai-chat-retry', module: retry as Module },
  { name: 'ai-chat-pick', module: pick as Module },
  { name: 'ai-chat-export', module: exportChat as Module },
  { name: 'openapi', module: openapi as Module },
  { name: 'ai-models', module: models as Module },
  { name: 'health', module: health as Module },
  { name: 'ai-chat-cleanup', module: cleanup as Module },
  { name: 'ai-chat-run-background', module: run as Module },
  { name: 'ai-chat-run-sync', module: runSync as Module },
  { name: 'ai-chat-run-demo-background', module: runDemo as Module },
  { name: 'ai-chat-run-demo-sync', module: runDemoSync as Module },
]

export interface Platform {
  origin: string
  fetch(request: Request): Promise<Response>
  /** Waits for every background run and `waitUntil` promise started so far (and those they start). */
  settle(): Promise<void>
  /** Errors thrown by background runs (Netlify would retry them). */
  backgroundErrors: unknown[]
}

export function createPlatform(options: { origin?: string; functions?: PlatformFunction[] } = {}): Platform {
  const origin = options.origin ?? 'http://app.test'
  const functions = options.functions ?? FUNCTIONS
  const pending = new Set<Promise<unknown>>()
  const backgroundErrors: unknown[] = []
  const track = (promise: Promise<unknown>) => {
    const tracked = promise.catch(() => undefined).finally(() => pending.delete(tracked))
    pending.add(tracked)
  }
  const routes = functions.flatMap(({ name, module }) => {
    const paths = module.config?.path ? [module.config.path].flat() : []
    return [...paths, `/.netlify/functions/${name}`].map((path) => ({ pattern: new URLPattern({ pathname: path }), module }))
  })

  function contextFor(request: Request, params: Record<string, string>): Context {
    return {
      params,
      ip: request.headers.get('x-nf-client-connection-ip') ?? '127.0.0.1',
      requestId: crypto.randomUUID(),
      waitUntil: (promise: Promise<unknown>) => track(promise),
      url: new URL(request.url),
    } as unknown as Context
  }

  return {
    origin,
    backgroundErrors,
    async fetch(request) {
      const url = new URL(request.url)
      for (const { pattern, module } of routes) {
        const match = pattern.exec({ pathname: url.pathname })
        if (!match) continue
        const params = Object.fromEntries(Object.entries(match.pathname.groups).filter((e): e is [string, string] => e[1] !== undefined))
        const context = contextFor(request, params)
        if (module.config?.background) {
          track(
            Promise.resolve()
              .then(() => module.default(request, context))
              .catch((error) => void backgroundErrors.push(error)),
          )
          return new Response(null, { status: 202 })
        }
        return (await module.default(request, context)) ?? new Response(null, { status: 204 })
      }
      return new Response('Not found', { status: 404 })
    },
    async settle() {
      while (pending.size) await Promise.all([...pending])
    },
  }
}
