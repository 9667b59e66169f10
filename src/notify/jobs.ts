// What a detached notification runner is asked to do (src/notify/runner.ts), and the file where
// it leaves its failures for the next check to say (once, under the program's lock).

import { closeSync, constants, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/** One notification: a shell command, or an HTTP request. `what` starts its failure line. */
export type Job =
  | { kind: 'command'; what: string; command: string; env: Record<string, string>; logFile: string; timeoutMs: number }
  | {
      kind: 'http';
      what: string;
      method: 'GET' | 'POST';
      url: string;
      body: string | null;
      timeoutMs: number;
      source: 'notify-url' | 'ping-url' | 'ping-fail-url';
    };

/** The runner's whole task, passed in its environment as JSON. */
export interface RunnerTask {
  jobs: Job[];
  /** Where failures go: one JSON line each. */
  failureFile: string;
}

/** The environment variable that carries the task to the runner. */
export const TASK_VAR = 'ENSURE_RUNNING_NOTIFY_TASK';

/** A failure on record: which kind of notification (pings are said once a day), and its line. */
export interface Failure {
  source: 'on-change' | 'notify-url' | 'ping-url' | 'ping-fail-url';
  text: string;
}

/** Appends one failure; O_APPEND keeps concurrent runners' lines whole, O_NOFOLLOW refuses a planted link. */
export function appendFailure(file: string, failure: Failure): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(failure)}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes the failures on record: the file is renamed first, so a runner that appends meanwhile
 * writes to a new file (said by a later check) and no line is said twice or lost.
 */
export function takeFailures(file: string): Failure[] {
  const taken = `${file}.taken`;
  try {
    renameSync(file, taken);
  } catch {
    return [];
  }
  let text = '';
  try {
    text = readFileSync(taken, 'utf8');
  } catch {
    // unreadable: dropped below
  }
  try {
    unlinkSync(taken);
  } catch {
    // already gone
  }
  const failures: Failure[] = [];
  for (const line of text.split('\n')) {
    try {
      const raw = JSON.parse(line) as Failure;
      if (typeof raw.text === 'string' && typeof raw.source === 'string') failures.push({ source: raw.source, text: raw.text.slice(0, 1000) });
    } catch {
      // a torn or empty line
    }
  }
  return failures;
}
