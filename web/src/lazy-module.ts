import { signal } from '@preact/signals'

/**
 * A module fetched after first paint, to keep the first screen's JS small. `current` is null until it
 * arrives; `failed` is set when it could not be fetched (a later `load()` tries again).
 */
export function lazyModule<T>(load: () => Promise<T>) {
  const current = signal<T | null>(null)
  const failed = signal(false)
  let loading: Promise<void> | undefined
  return {
    current,
    failed,
    load(): Promise<void> {
      loading ??= load().then(
        (module) => {
          current.value = module
          failed.value = false
        },
        () => {
          failed.value = true
          loading = undefined
        },
      )
      return loading
    },
  }
}
