// What a call needs only once it may wait on Node's event loop: its time bound, the lock's
// refresh timer and its signal listeners. A timer fires, and a signal listener runs, only when
// the loop turns, never during a call's synchronous steps. A healthy check is synchronous from
// start to end (it looks, finds nothing to do, and exits without a turn: src/cli/end-now.ts), so
// it sets none of them, and pays for none of Node's first timer (0.4 ms), first setImmediate
// and signal listeners.
//
// A call says that it may wait from now on with `beforeWaiting()`, before its first step that
// may: the executor before any effect but the look (src/commands/executor.ts), the lock before
// it sleeps between two tries (src/os/lock.ts), a stall of the fault suite, and any call other
// than a plain check at its start (src/cli/run.ts). What waits for that moment (`whenWaiting`)
// runs then, at once; what waits for the loop's first turn (`atFirstTurn`) runs at the first
// turn after it, before the loop first waits (a pending immediate, not unref'd, keeps that turn
// from blocking).

let waiting = false;
let turned = false;
const atWaiting: (() => void)[] = [];
const atTurn: (() => void)[] = [];

/** The call may wait on the event loop from now on: runs what `whenWaiting` holds, and has the first turn run what `atFirstTurn` holds. */
export function beforeWaiting(): void {
  if (waiting) return;
  waiting = true;
  for (const work of atWaiting.splice(0)) work();
  if (atTurn.length > 0) turnSoon();
}

/** Runs `work` once the call may wait (`beforeWaiting`), or at once when it may already. */
export function whenWaiting(work: () => void): void {
  if (waiting) work();
  else atWaiting.push(work);
}

/**
 * Runs `work` at the event loop's first turn once the call may wait (`beforeWaiting`), or at
 * once when the loop has turned. A call that never waits never runs it.
 */
export function atFirstTurn(work: () => void): void {
  if (turned) {
    work();
    return;
  }
  if (atTurn.push(work) === 1 && waiting) turnSoon();
}

function turnSoon(): void {
  setImmediate(() => {
    turned = true;
    for (const queued of atTurn.splice(0)) queued();
  });
}

/** A timer set at the first turn, for `ms` counted from now. */
export interface LaterTimeout {
  unref(): LaterTimeout;
  ref(): LaterTimeout;
}

interface LaterState extends LaterTimeout {
  timer: NodeJS.Timeout | null;
  cleared: boolean;
  refed: boolean;
}

/** setTimeout, set at the first turn once the call may wait (the lock's refresh timer: src/os/lock.ts). */
export function laterTimeout(run: () => void, ms: number): LaterTimeout {
  const from = process.uptime();
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
    const spent = Math.round((process.uptime() - from) * 1000);
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
