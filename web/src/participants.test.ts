// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { draft, fitDrafts, overrides, participantInputs, readDrafts, saveDrafts } from './participants.ts'
import { modelsDoc } from './testing/fixtures.ts'

const memory = () => {
  const items = new Map<string, string>()
  return { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value) }
}
const plain = (drafts: Array<{ provider: string; model: string }>) => drafts.map(({ provider, model }) => `${provider}/${model}`)

describe('the remembered columns', () => {
  it('are stored without their row keys and read back', () => {
    const storage = memory()
    saveDrafts(storage, [draft({ provider: 'openai', model: 'gpt-5', temperature: 0.2 })])
    expect(JSON.parse(storage.getItem('ai-chat:participants')!)).toEqual([{ provider: 'openai', model: 'gpt-5', temperature: 0.2 }])
    expect(readDrafts(storage)?.map(({ key: _key, ...fields }) => fields)).toEqual([{ provider: 'openai', model: 'gpt-5', temperature: 0.2 }])
  })

  it('read a damaged or empty list as none', () => {
    const storage = memory()
    storage.setItem('ai-chat:participants', '{oops')
    expect(readDrafts(storage)).toBeNull()
    storage.setItem('ai-chat:participants', '[]')
    expect(readDrafts(storage)).toBeNull()
  })

  it('fit what the server offers now: unknown or unconfigured providers go, unknown models become the default, the limit holds', () => {
    const models = modelsDoc({
      providers: [
        { id: 'openai', label: 'OpenAI', configured: true, defaultModel: 'gpt-5-mini', models: ['gpt-5-mini', 'gpt-5'] },
        { id: 'gemini', label: 'Gemini', configured: false, defaultModel: 'gemini-2.5-flash', models: ['gemini-2.5-flash'] },
      ],
    })
    const remembered = ['openai/gpt-5', 'openai/gpt-4-retired', 'gemini/gemini-2.5-flash', 'mistral/large', 'openai/gpt-5'].map((item) => {
      const [provider, model] = item.split('/') as [string, string]
      return draft({ provider, model })
    })
    expect(plain(fitDrafts(remembered, models, 2))).toEqual(['openai/gpt-5', 'openai/gpt-5-mini'])
    expect(plain(fitDrafts(null, models, 8))).toEqual(['openai/gpt-5-mini'])
  })
})

describe('a column’s own settings', () => {
  it('are sent only when set, and named at a glance', () => {
    const own = draft({ provider: 'anthropic', model: 'claude-haiku-4-5', system: 'Be brief.', maxTokens: 500 })
    const same = draft({ provider: 'openai', model: 'gpt-5', system: '  ' })
    expect(participantInputs([own, same])).toEqual([
      { provider: 'anthropic', model: 'claude-haiku-4-5', system: 'Be brief.', maxTokens: 500 },
      { provider: 'openai', model: 'gpt-5' },
    ])
    expect(overrides(own)).toEqual(['own system prompt', 'max 500 tokens'])
    expect(overrides(same)).toEqual([])
  })
})
