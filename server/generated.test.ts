import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GENERATED } from './schema-build.ts'

describe('the files generated from the contract (npm run schema)', () => {
  it.each(Object.entries(GENERATED))('server/%s is what the current schemas make', (file, make) => {
    const committed = readFileSync(new URL(file, import.meta.url), 'utf8')
    expect(committed === make(), `server/${file} is out of date: run npm run schema`).toBe(true)
  })
})
