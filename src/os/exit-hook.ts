// The lock's exit hook (src/os/lock.ts): its callbacks remove the held locks when the process
// ends. They run once: at the process's exit, or on a signal that would end it, after which the
// signal is sent again so that the process ends by it (the signals and the way of signal-exit).
//
// SIGTERM, SIGINT and SIGHUP, the signals a call is stopped with (kill, a shutdown, Ctrl-C, a
// terminal gone), are listened for from the moment the call may wait (src/os/first-turn.ts,
// `beforeWaiting`: before any effect but the look, before the lock's sleep, at once for a call
// other than a plain check): one that comes before the call first waits is taken when the loop
// turns, so a call that stops mid-launch releases its lock (faults/records). A check that only
// looks (the healthy one, synchronous throughout, which ends without a turn) listens for none:
// such a signal in its few milliseconds ends it as its default action does, as a kill would,
// and signal-exit's other signals likewise until the event loop's first turn. The lock is then
// taken over once stale (src/os/lock-stale.ts), the records are as after a SIGKILL (every write
// is atomic).

import { atFirstTurn, whenWaiting } from './first-turn.js';

/** The signals a call is stopped with: listened for at once. */
const STOPPING: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];

/** signal-exit's other signals on Linux (SIGUNUSED aside: Node no longer knows it). */
const OTHERS: readonly NodeJS.Signals[] = [
  'SIGABRT',
  'SIGALRM',
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

function hookSignals(signals: readonly NodeJS.Signals[]): void {
  for (const signal of signals) {
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

/** Runs `callback` once when the process ends (at its exit, or on a signal that ends it); returns the function that removes the callback. */
export function onExit(callback: ExitCallback): () => void {
  if (typeof callback !== 'function') throw new TypeError('a callback must be provided for exit handler');
  callbacks.add(callback);
  if (!hooked) {
    hooked = true;
    process.on('exit', (code) => runOnce(code, null));
    whenWaiting(() => {
      if (!ran) hookSignals(STOPPING);
    });
    atFirstTurn(() => {
      if (!ran) hookSignals(OTHERS);
    });
  }
  return () => {
    callbacks.delete(callback);
  };
}
