// The resolved configuration of one program for one call, built from the options.

import type { ProgramPaths } from '../core/paths.js';
import type { Policy, Request } from '../core/policy.js';

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
  policy: Policy;
  registryDir: string;
}

/** How long a call waits for another call's lock: its longest hold (a stop, then a start window), plus margin. */
export function lockWaitMs(config: ProgramConfig): number {
  return config.startWindowMs + config.killAfterMs + 20_000;
}
