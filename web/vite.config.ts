import { fileURLToPath } from 'node:url'
import netlify from '@netlify/vite-plugin'
import { defineConfig, loadEnv, type Plugin, type ViteDevServer } from 'vite'
import { buildSizeReport } from './build-size.ts'
import { pageHeadersMiddleware, readHeaderRules } from './page-headers.ts'

const projectRoot = fileURLToPath(new URL('..', import.meta.url))

/**
 * Vite's logger without the plugin's suggestion to run `npx netlify init`: no Netlify account or
 * linked site is needed to run this app locally (demo mode, or your own keys in .env).
 */
function withoutLinkingHint(logger: ViteDevServer['config']['logger']): ViteDevServer['config']['logger'] {
  return { ...logger, info: (message, options) => (/netlify init/.test(message) ? undefined : logger.info(message, options)) }
}

/**
 * @netlify/vite-plugin finds netlify.toml, netlify/functions and .netlify/blobs-serve under Vite's
 * root. Our page lives in web/ (Vite's root), the Netlify project is the repository root, so hand
 * the plugin a view of the dev server whose root is the repository (and whose logger stays quiet
 * about linking a site).
 */
function netlifyAtProjectRoot(): Plugin[] {
  const plugins: Plugin[] = [].concat(
    netlify({
      edgeFunctions: { enabled: false },
      images: { enabled: false },
      database: { enabled: false },
    }),
  )
  return plugins.map((plugin) => {
    const configureServer = plugin.configureServer
    if (typeof configureServer !== 'function') return plugin
    return {
      ...plugin,
      configureServer(server: ViteDevServer) {
        const view = new Proxy(server, {
          get: (target, prop) =>
            prop === 'config' ? { ...target.config, root: projectRoot, logger: withoutLinkingHint(target.config.logger) } : Reflect.get(target, prop),
        })
        return configureServer.call(this, view)
      },
    }
  })
}

/**
 * netlify.toml's page headers (CSP and the rest) under `npm start` too: the dev server sends none of
 * them, and the page should be developed under the policy it is deployed with. Read once at start, so
 * restart after editing them. Headers Vite sets later (e.g. `Cache-Control` on modules) win.
 */
function netlifyPageHeaders(): Plugin {
  return {
    name: 'netlify-page-headers',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use(pageHeadersMiddleware(readHeaderRules(new URL('../netlify.toml', import.meta.url))))
    },
  }
}

export default defineConfig(({ mode }) => {
  // Settings in a .env file at the project root reach the functions, as the shell's do. (Vite by
  // itself exposes only VITE_* variables, and only to the page; none are exposed here.)
  for (const [name, value] of Object.entries(loadEnv(mode, projectRoot, ''))) process.env[name] ??= value
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    plugins: [netlifyPageHeaders(), netlifyAtProjectRoot(), buildSizeReport()],
    server: {
      port: Number(process.env.PORT) || 8888,
      strictPort: true,
      host: process.env.HOST || '127.0.0.1',
    },
    build: {
      outDir: fileURLToPath(new URL('../dist', import.meta.url)),
      emptyOutDir: true,
      // The lazy chunks (chat view, Markdown, diff…) load after first paint on purpose: no preload
      // helper or polyfill in the first screen's JS.
      modulePreload: false,
    },
  }
})
