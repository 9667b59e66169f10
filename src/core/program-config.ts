// The resolved configuration of one program for one call, built from the option table by
// src/cli/settings.ts: what every command runs with.

import type { ProgramPaths } from './paths.js';
import type { Policy, Request } from './policy.js';
import type { HealthOptions } from './health.js';
import type { CadenceRecord } from './duties-record.js';

/** --user: who the program runs as, resolved by src/os/run-as.ts. */
export interface RunAs {
  user: string;
  uid: number;
  gid: number;
  /** The group given after the colon, or null for the user's own primary group. */
  group: string | null;
  home: string;
  /** The util-linux setpriv that switches to the user and execs the program. */
  setpriv: string;
}
import type { LeaseOptions } from './lease-record.js';

/** The configuration every command runs with: built once per call by src/cli/settings.ts. */
export interface ProgramConfig {
  paths: ProgramPaths;
  /** The command to guard; empty for --status and --stop. */
  request: Request;
  /** --env KEY=VALUE pairs, added to the caller's environment. */
  extraEnv: Record<string, string>;
  stdout: string;
  stderr: string;
  startWindowMs: number;
  killAfterMs: number;
  stopSignal: NodeJS.Signals;
  /** --user NAME[:GROUP]: who the program runs as (src/os/run-as.ts); absent: the caller. */
  runAs?: RunAs;
  /** What --reload sends (--reload-signal, default SIGHUP; src/cli/reload-signal.ts). */
  reloadSignal?: NodeJS.Signals;
  policy: Policy;
  registryDir: string;
  /** --heartbeat, --health-url, --restart-at (src/core/health.ts); absent when none is given. */
  health?: HealthOptions;
  /** --log-max-size and --log-keep. */
  logRotate?: { maxBytes: number; keep: number };
  /** The cadence declared with --schedule or --interval, its period final (src/cli/schedules.ts). */
  cadence?: CadenceRecord;
  /** --on-change, --notify-url, --ping-url (src/notify/notify-step.ts); absent when none is given. */
  notify?: NotifyOptions;
  /** --lease and its options (src/lease/): the program runs on the one host that holds the lease. */
  lease?: LeaseOptions;
  /**
   * Set by the lease step of a holder's check: the lease is surely this host's until
   * `untilMonoMs` (CLOCK_MONOTONIC); a launch with less than `needMs` left is refused.
   */
  leaseLaunch?: { untilMonoMs: number; needMs: number; leaseName: string };
  /** --respawn: the check the waiter runs when the program ends, and the directory it runs it in (src/os/waiter.ts). */
  respawn?: { check: string[]; dir: string };
  /**
   * Root only: every directory down to the PID file's was found closed (the directory rule)
   * when the options were read (src/cli/recorded.ts refuseUnsafeRecords), so the quiet promise
   * does not walk them again. Absent: not looked at, or not closed; the promise walks them.
   */
  recordsClosed?: true;
}

/** The notification options, resolved (src/cli/notify-settings.ts). */
export interface NotifyOptions {
  onChange?: string;
  notifyUrl?: string;
  /** Bounds the hook and the webhook: then killed, or abandoned. */
  timeoutMs: number;
  pingUrl?: string;
  pingFailUrl?: string;
  pingEveryMs: number;
}

/** The cadence as declared: its period is final only once src/cli/schedules.ts has read --schedule. */
export interface DeclaredCadence {
  key: string;
  schedule: string | null;
  tz: string | null;
  /** --interval, or its default. */
  intervalMs: number;
  /** --interval as given, for a message when it disagrees with --schedule. */
  intervalText: string | undefined;
}

/** The options checked, before --schedule is read: the cadence is only declared, so no command can use it yet. */
export type ProgramSettings = Omit<ProgramConfig, 'cadence'> & { declaredCadence?: DeclaredCadence };

/** How long a call waits for another call's lock: its longest hold (a stop, then a start window), plus margin. */
export function lockWaitMs(config: ProgramConfig): number {
  return config.startWindowMs + config.killAfterMs + 20_000;
}
