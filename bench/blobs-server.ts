/**
 * A real Netlify BlobsServer (server/testing/blobs.ts) in its own process, as the hosted store is
 * its own service: its work does not compete with the functions' event loop nor count in their
 * memory. Prints `BLOBS_READY {"context": <NETLIFY_BLOBS_CONTEXT>}` for the functions' process.
 */
import { rmSync } from 'node:fs'
import { startBlobs } from '../server/testing/blobs.ts'

const blobs = await startBlobs()
console.log(`BLOBS_READY ${JSON.stringify({ url: blobs.url, context: process.env.NETLIFY_BLOBS_CONTEXT })}`)
// Stopping the server waits for open connections; the benchmark does not, so remove the files first.
const stop = () => {
  rmSync(blobs.directory, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
