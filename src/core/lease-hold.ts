// The hold on every host with --lease as an edge of the machine (src/core/machine.ts): --stop
// asks the store to hold the program stopped on every host, --start to clear that (the
// `hold-lease` effect, src/lease/manual.ts); the answer is decided here. Pure.

import { formatDuration } from './duration.js';
import type { Decided, TickEvent } from './events.js';
import type { Policy, Request } from './policy.js';
import { quoteArgv } from './shell-quote.js';
import type { ProgramState } from './state.js';
import { aside } from './transition.js';

/**
 * The store answered, or not. --stop's hold on record is said with the command that clears it,
 * on any host (`held` outcome: the copy here is then stopped, not held here); unanswered, it
 * is a `store-unreachable` whose line warns that the copy here is held here only (once it is
 * stopped). --start's hold cleared says nothing; unanswered, it is an error: nothing changed.
 */
export function recordHold(previous: ProgramState, event: Extract<TickEvent, { kind: 'lease-held' }>, request: Request, policy: Policy, now: number): Decided {
  const { answer, name } = event;
  if (!event.held) {
    if (answer.kind === 'done') return { state: previous, effects: [], outcome: 'not-running' };
    const error = {
      action: 'clear the hold on every host of',
      subject: `lease ${name}`,
      reason: answer.error,
      hint: 'nothing was changed; try again once the store answers',
    };
    return { state: previous, effects: [{ kind: 'fail', error }], outcome: 'not-running' };
  }
  if (answer.kind === 'failed') {
    const text =
      `${policy.name}: lease store did not answer (${answer.error}): the hold on every host is not on record; the copy here is stopped and held ` +
      `here only, and lease ${name} is left to run out, so another host may take it over within ${formatDuration(event.ttlMs)}; ` +
      'run this --stop again once the store answers to hold it everywhere';
    return { state: previous, effects: [], outcome: 'not-running', transitions: [aside(previous, 'store-unreachable', answer.error, now, text)] };
  }
  // --start reuses the launch request on record; a host that never launched it (a standby) needs the command.
  const command = previous.request !== undefined ? [] : ['--', ...(request.command.length ? request.command : ['COMMAND'])];
  const start = quoteArgv(['ensure-running', '--pid', event.pidFile, '--lease', event.shownUrl, '--lease-name', name, '--start', ...command]);
  const text = `${policy.name}: held stopped on every host (lease ${name}) until, on any host: ${start}`;
  return { state: previous, effects: [], outcome: 'held', said: [{ text, of: 'notice' }] };
}
