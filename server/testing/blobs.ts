/** A real Netlify Blobs server in a temporary directory, wired as the environment's store. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setEnvironmentContext } from '@netlify/blobs'
import { BlobsServer } from '@netlify/blobs/server'
import { ChatStore } from '../store.ts'

export interface TestBlobs {
  url: string
  directory: string
  store: ChatStore
  /** Every key in the store, sorted. */
  keys(prefix?: string): Promise<string[]>
  stop(): Promise<void>
}

export async function startBlobs(): Promise<TestBlobs> {
  const directory = await mkdtemp(join(tmpdir(), 'ai-chat-blobs-'))
  const token = 'test-blobs-token'
  const server = new BlobsServer({ directory, token, logger: () => {} })
  const { port } = await server.start()
  const url = `http://127.0.0.1:${port}`
  setEnvironmentContext({ siteID: 'test-site', deployID: 'test-deploy', token, edgeURL: url, uncachedEdgeURL: url })
  const store = new ChatStore()
  return {
    url,
    directory,
    store,
    async keys(prefix = '') {
      // The local blob server's listing can end early while a blob is being rewritten: list until
      // two listings in a row agree.
      const list = async () => (await new ChatStore().list(prefix)).map((blob) => blob.key).sort().join('\n')
      let previous = await list()
      for (;;) {
        const next = await list()
        if (next === previous) return next ? next.split('\n') : []
        previous = next
      }
    },
    async stop() {
      await server.stop()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
