// The line a stop says (--stop, the stop half of --restart, --forget, a copy the lease stops):
// how it went, and when the program is held, the exact command that starts it again.

import type { Policy } from './policy.js';
import { quoteArgv } from './shell-quote.js';
import type { ProgramState } from './state.js';

/** The command that starts it again: exact, since the launch request is on record (older records: their command). */
export function startHint(policy: Policy, state: ProgramState): string {
  // The policy's hint: `--pid FILE --start`, or `--config FILE --start NAME` for a program of a file.
  const head = policy.startHint;
  // By name (--config FILE --start NAME) needs no command: the file has it.
  if (state.request || !head.startsWith('ensure-running --pid ')) return head;
  return `${head} -- ${state.command.length ? quoteArgv(state.command) : 'COMMAND'}`;
}

/** The stop's one line: `how` it went, and (held) what starts it again. */
export function stopLine(policy: Policy, state: ProgramState, how: string, hold: boolean): string {
  return hold ? `${policy.name}: ${how}; held stopped until: ${startHint(policy, state)}` : `${policy.name}: ${how}`;
}
