/** `GET /api/ai/models`: which providers can be asked, for which models, and the limits a request must respect. */
import type { Config } from '@netlify/functions'
import type { ModelsDocument } from '../../shared/types.ts'
import { json, route } from '../../server/http.ts'
import { settings } from '../../server/settings.ts'

export default route(['GET', 'HEAD'], async () => {
  const config = settings()
  const body: ModelsDocument = {
    success: true,
    demo: config.demo,
    providers: config.providers.map((provider) => {
      const configured = config.configured.includes(provider.id)
      return {
        id: provider.id,
        label: provider.label,
        configured,
        ...(configured || !provider.reason ? {} : { reason: provider.reason }),
        defaultModel: provider.models[0] ?? '',
        models: provider.models,
        ...(provider.compatible ? { compatible: 'openai' as const } : {}),
      }
    }),
    limits: {
      maxParticipants: config.maxParticipants,
      maxMessageChars: config.maxMessageChars,
      maxOutputTokens: config.maxOutputTokens,
      maxTurns: config.maxTurns,
      maxAnswerChars: config.maxAnswerChars,
    },
  }
  return json(body)
})

export const config: Config = {
  path: '/api/ai/models',
  rateLimit: { windowLimit: 120, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
