// The phase of a program between two ticks, read from its record.

import type { ProgramState } from './state.js';

/**
 * Where a program stands between two ticks, read from its record. supervisord's words:
 * STARTING (a launch on record whose PID is not: a check was interrupted mid-launch),
 * HELD (stopped on purpose), FATAL, BACKOFF, RUNNING (a process on record), STOPPED (free to launch).
 */
export type Phase = 'starting' | 'held' | 'fatal' | 'backoff' | 'running' | 'stopped';

/** The phase of a recorded state. The precedence of hold, FATAL, backoff and a pending launch is written here, once. */
export function phaseOf(state: ProgramState): Phase {
  if (state.pending) return 'starting';
  if (state.held) return 'held';
  if (state.fatal) return 'fatal';
  if (state.backoff) return 'backoff';
  if (state.identity) return 'running';
  return 'stopped';
}
