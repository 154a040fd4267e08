import { render } from 'preact'
import { browserStorage, createAppState } from './app-state.ts'
import { App } from './components/app.tsx'

const state = createAppState({ storage: browserStorage(), location, history })
render(<App state={state} />, document.getElementById('app')!)
