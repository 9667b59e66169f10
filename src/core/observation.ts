// What a check sees of the program, as data: the input of the decision and of status.

import type { Identity } from './state.js';

/** Why a recorded program is judged not running. */
export type GoneWhy =
  | 'no-record' // no PID file and nothing ever launched
  | 'exited' // the PID no longer exists
  | 'zombie' // it exited and nobody reaped it yet
  | 'reused' // the PID now belongs to another process
  | 'rebooted' // the PID is from before a reboot
  | 'stopped'; // removed by --stop

export type Observation =
  /** Alive, and its start time and boot id match the launch record. */
  | { kind: 'ours'; pid: number; repairPidFile: boolean }
  /** Alive, but there is no launch record to compare with (a PID file written by another tool). */
  | { kind: 'unverified'; pid: number /** The PID file's owner, when it is not the caller (another user's file). */; owner?: number | null }
  /**
   * Not running; `pid` is the PID that was recorded, if any. `leftovers`: live processes of
   * its run (its process group, its token's carriers) that outlived it, oldest first; `run`:
   * what they are verified against when no record names that run (its records were lost).
   */
  | {
      kind: 'gone';
      pid: number | null;
      why: GoneWhy;
      logTail: string[];
      leftovers?: number[];
      run?: Identity;
      /** --respawn: how it ended, as its waiter saw it (src/os/waiter.ts); absent when nobody saw it. */
      status?: { code: number | null; signal: string | null };
    };

/** Words for an operator. */
export function describeGone(why: GoneWhy, pid: number | null): string {
  switch (why) {
    case 'exited':
      return `pid ${pid} is gone`;
    case 'zombie':
      return `pid ${pid} is a zombie (exited, not yet reaped)`;
    case 'reused':
      return `pid ${pid} now belongs to another process`;
    case 'rebooted':
      return `pid ${pid} is from before the last reboot`;
    case 'stopped':
      return 'stopped';
    case 'no-record':
      return 'never started';
  }
}
