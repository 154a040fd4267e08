/** `GET /api/ai/models`: which providers can be asked, and for which models. */
import type { Config } from '@netlify/functions'
import { allowedModels, PROVIDER_IDS, PROVIDERS } from '../../shared/catalogue.ts'
import type { ModelsDocument } from '../../shared/types.ts'
import { json, route } from '../../server/http.ts'
import { settings } from '../../server/settings.ts'

export default route(['GET', 'HEAD'], async () => {
  const config = settings()
  const body: ModelsDocument = {
    success: true,
    demo: config.demo,
    providers: PROVIDER_IDS.map((id) => {
      const models = allowedModels(id, process.env)
      const configured = config.configured.includes(id)
      return {
        id,
        label: PROVIDERS[id].label,
        configured,
        ...(configured ? {} : { reason: `no ${PROVIDERS[id].keyEnv.join(' or ')}` }),
        defaultModel: models[0]!,
        models,
      }
    }),
  }
  return json(body)
})

export const config: Config = {
  path: '/api/ai/models',
  rateLimit: { windowLimit: 120, windowSize: 60, aggregateBy: ['ip', 'domain'] },
}
