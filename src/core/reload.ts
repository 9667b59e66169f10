// --reload as edges of the machine (src/core/machine.ts): its first event asks for a look at
// the program, the look aims the signal at the verified program on record (or at nothing), and
// how the signal went is put on record and said. Pure; the executor (src/commands/executor.ts)
// performs the look, the signal and a failure.

import type { Decided, TickEvent } from './events.js';
import { isSignallablePid } from './pid-text.js';
import type { Failure, Policy } from './policy.js';
import { withEvent, type ProgramState } from './state.js';

/** --reload, its first event: the program is looked at (the `observe` effect of a reload), nothing else. */
export function askReload(previous: ProgramState, event: Extract<TickEvent, { kind: 'reload' }>): Decided {
  return { state: previous, effects: [{ kind: 'observe', reload: event.signal }], outcome: 'not-running' };
}

/**
 * --reload's look: the signal goes to the program on record, alive and verified as ours (its
 * identity verified again right before the signal: the `signal-reload` effect). A live PID that
 * ensure-running did not launch is an error; a program that does not run gets nothing, said.
 */
export function aimReload(previous: ProgramState, event: Extract<TickEvent, { kind: 'reload-observed' }>, policy: Policy): Decided {
  const { obs, signal } = event;
  if (obs.kind === 'unverified') {
    return fail(previous, {
      action: `send ${signal} to`,
      subject: `pid ${obs.pid}`,
      reason: `${event.pidFile} names a live process that ensure-running did not launch (no launch record), so it is not signalled`,
      hint: `if you are sure it is the program, signal it by hand: kill -${signal.replace(/^SIG/, '')} ${obs.pid}`,
    });
  }
  const identity = previous.identity;
  if (obs.kind !== 'ours' || !identity || !isSignallablePid(identity.pid)) {
    // Nothing verified to reload: never a signal on the strength of a PID file alone.
    const held = previous.held ? ' (held stopped)' : '';
    return notReloaded(previous, `${policy.name}: not running${held}; nothing reloaded (the next check launches it unless held)`);
  }
  return { state: previous, effects: [{ kind: 'signal-reload', identity, signal }], outcome: 'running' };
}

/** --reload's signal went: on the program's history, said on stdout; or it did not: said, or (refused) an error. */
export function recordReload(previous: ProgramState, event: Extract<TickEvent, { kind: 'reloaded' }>, policy: Policy, now: number): Decided {
  const { pid, signal, answer } = event;
  switch (answer.kind) {
    case 'sent': {
      const state = withEvent(previous, { atMs: now, kind: 'reload', pid, detail: signal });
      return { state, effects: [], outcome: 'running', said: [{ text: `${policy.name}: reloaded (pid ${pid}, ${signal})`, of: 'reload' }] };
    }
    case 'not-ours':
      return notReloaded(
        previous,
        `${policy.name}: not running (pid ${pid} is ${answer.verdict === 'reused' ? 'another process now' : answer.verdict}); nothing reloaded`,
      );
    case 'exited':
      return notReloaded(previous, `${policy.name}: not running (pid ${pid} exited just now); nothing reloaded`);
    case 'refused':
      return fail(previous, {
        action: `send ${signal} to`,
        subject: `pid ${pid}`,
        ...(answer.code ? { code: answer.code } : {}),
        ...(answer.code === 'EPERM' ? { hint: 'run --reload as the user that launched the program' } : {}),
      });
  }
}

/** Nothing reloaded: the records unchanged, one line (a notice: no change of phase). */
function notReloaded(previous: ProgramState, text: string): Decided {
  return { state: previous, effects: [], outcome: 'not-running', said: [{ text, of: 'notice' }] };
}

/** ensure-running may not signal: the error raised, the records unchanged. */
function fail(previous: ProgramState, error: Failure): Decided {
  return { state: previous, effects: [{ kind: 'fail', error }], outcome: 'not-running' };
}
