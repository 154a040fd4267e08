import { createElement, type FunctionComponent } from 'preact'

interface Instance<P> {
  props: P
  shouldComponentUpdate?: (next: P) => boolean
}

function propsChanged<P extends object>(this: Instance<P>, next: P): boolean {
  for (const key in next) if (next[key] !== this.props[key]) return true
  for (const key in this.props) if (!(key in next)) return true
  return false
}

/**
 * A component that renders again only when one of its props changed (by identity), as
 * preact/compat's `memo` does, without pulling compat into the bundle. Signals it reads still
 * re-render it on their own.
 */
export function memo<P extends object>(component: FunctionComponent<P>): FunctionComponent<P> {
  function Memo(this: Instance<P>, props: P) {
    this.shouldComponentUpdate = propsChanged
    return createElement(component, props)
  }
  Memo.displayName = `Memo(${component.displayName ?? component.name})`
  return Memo
}
