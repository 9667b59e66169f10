// The lock's exit hook in the bundles, in place of signal-exit 3 (scripts/build.mjs): what
// proper-lockfile asks of it, that its callback remove the held locks when the process ends.
// The callbacks run once: at the process's exit, or on a signal that would end it, after which
// the signal is sent again so that the process ends by it, as signal-exit does.
//
// The signal listeners are set at the event loop's first turn (src/os/first-turn.ts): a
// listener runs only when the loop turns, and a call that ends before its first turn (a
// healthy check, synchronous throughout) would never run one. A signal in those first
// milliseconds ends the call as its default action does, as a kill would: the lock is then
// taken over once stale (src/os/lock-stale.ts), and the records are as after a SIGKILL.

import { atFirstTurn } from './first-turn.js';

/** signal-exit's signals on Linux (SIGUNUSED aside: Node no longer knows it). */
const SIGNALS: readonly NodeJS.Signals[] = [
  'SIGABRT',
  'SIGALRM',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGVTALRM',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGUSR2',
  'SIGTRAP',
  'SIGSYS',
  'SIGQUIT',
  'SIGIOT',
  'SIGIO',
  'SIGPOLL',
  'SIGPWR',
  'SIGSTKFLT',
];

type ExitCallback = (code: number | null, signal: NodeJS.Signals | null) => void;

const callbacks = new Set<ExitCallback>();
const listeners = new Map<NodeJS.Signals, () => void>();
let hooked = false;
let ran = false;

function runOnce(code: number | null, signal: NodeJS.Signals | null): void {
  if (ran) return;
  ran = true;
  for (const callback of callbacks) callback(code, signal);
}

function unhookSignals(): void {
  for (const [signal, listener] of listeners) process.removeListener(signal, listener);
  listeners.clear();
}

function hookSignals(): void {
  for (const signal of SIGNALS) {
    const listener = (): void => {
      // Another listener of this signal decides what it means; alone, this one ends the process by it.
      if (process.listeners(signal).length !== 1) return;
      unhookSignals();
      runOnce(null, signal);
      process.kill(process.pid, signal);
    };
    try {
      process.on(signal, listener);
      listeners.set(signal, listener);
    } catch {
      // not a signal of this system
    }
  }
}

/** signal-exit's `onExit(callback)`: returns the function that removes the callback. */
export function onExit(callback: ExitCallback): () => void {
  if (typeof callback !== 'function') throw new TypeError('a callback must be provided for exit handler');
  callbacks.add(callback);
  if (!hooked) {
    hooked = true;
    process.on('exit', (code) => runOnce(code, null));
    atFirstTurn(() => {
      if (!ran) hookSignals();
    });
  }
  return () => {
    callbacks.delete(callback);
  };
}
