// What a call needs only once it waits on Node's event loop: its time bound, the lock's
// refresh timer and its signal listeners. A timer fires, and a signal listener runs, only when
// the loop turns, never during a call's synchronous steps; a healthy check is synchronous from
// start to end and exits without a turn (src/cli/fast.ts), so it sets none of them, and pays
// for none of Node's first timer (0.4 ms), first setImmediate and signal listeners.

let turned = false;
const waiting: (() => void)[] = [];

/**
 * Runs `work` at the event loop's first turn, before the loop first waits (a pending
 * immediate, not unref'd, keeps that turn from blocking), or at once when the loop has turned.
 */
export function atFirstTurn(work: () => void): void {
  if (turned) {
    work();
    return;
  }
  if (waiting.push(work) > 1) return;
  setImmediate(() => {
    turned = true;
    for (const queued of waiting.splice(0)) queued();
  });
}

/** A timer set at the first turn, for `ms` counted from now. What setTimeout returns, as far as proper-lockfile uses it. */
export interface LaterTimeout {
  unref(): LaterTimeout;
  ref(): LaterTimeout;
}

interface LaterState extends LaterTimeout {
  timer: NodeJS.Timeout | null;
  cleared: boolean;
  refed: boolean;
}

/** setTimeout, set at the first turn (proper-lockfile's refresh timer in the bundles: scripts/build.mjs). */
export function laterTimeout(run: () => void, ms: number): LaterTimeout {
  const from = process.hrtime.bigint();
  const later: LaterState = {
    timer: null,
    cleared: false,
    refed: true,
    unref() {
      later.refed = false;
      later.timer?.unref();
      return later;
    },
    ref() {
      later.refed = true;
      later.timer?.ref();
      return later;
    },
  };
  atFirstTurn(() => {
    if (later.cleared) return;
    const spent = Number((process.hrtime.bigint() - from) / 1_000_000n);
    later.timer = setTimeout(run, Math.max(0, ms - spent));
    if (!later.refed) later.timer.unref();
  });
  return later;
}

/** clearTimeout for `laterTimeout`'s timers (and Node's own). */
export function clearLaterTimeout(later: LaterTimeout | NodeJS.Timeout | null | undefined): void {
  if (!later) return;
  if ('cleared' in later) {
    const state = later as LaterState;
    state.cleared = true;
    if (state.timer) clearTimeout(state.timer);
    return;
  }
  clearTimeout(later as NodeJS.Timeout);
}
