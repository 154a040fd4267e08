import type { RefObject } from 'preact'
import { useLayoutEffect, useRef } from 'preact/hooks'

/**
 * When the element goes away while it has the keyboard focus (a Cancel or Retry button whose job is
 * done), the focus moves to `fallback` instead of falling to <body>.
 */
export function useKeepFocus(ref: RefObject<HTMLElement | null>, fallback: () => HTMLElement | null | undefined) {
  const latest = useRef(fallback)
  latest.current = fallback
  useLayoutEffect(() => {
    const element = ref.current
    // Cleanups run before Preact removes the element, so it still holds the focus here.
    return () => {
      if (element && element === document.activeElement) latest.current()?.focus()
    }
  }, [])
}
