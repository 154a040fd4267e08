/**
 * A setup file of the unit, API and CLI test projects: their processes run at a lower CPU priority
 * (nice 5: about a third of the CPU the emulator gets when both want it). They wait only for
 * conditions, so a busy machine makes them slower, never wrong. The e2e project's emulator and
 * browser keep the normal priority: its tests must catch moments (an answer mid-stream, a turn
 * mid-run) that pass while the other projects fill both CPUs.
 */
import { setPriority } from 'node:os'

try {
  setPriority(5)
} catch {
  // Not allowed here (some sandboxes): the tests run as they are.
}
