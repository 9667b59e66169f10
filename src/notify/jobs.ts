// What a detached notification runner is asked to do (src/notify/runner.ts), and the file where
// it leaves its failures for the next check to say (once, under the program's lock).

import { appendRecord, takeRecordFile } from '../os/door.js';

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

/**
 * Appends one failure through the file door: O_APPEND keeps concurrent runners' lines whole; a
 * planted link, FIFO or hard link is refused at once (a throw), never followed nor waited on.
 */
export function appendFailure(file: string, failure: Failure): void {
  appendRecord(file, `${JSON.stringify(failure)}\n`, 'notification failure record');
}

/** The most a failure record may hold: far more than the lines of the jobs of a few checks. */
const MAX_FAILURE_BYTES = 256 * 1024;

/** What a check finds on record: the failures, and a refusal to say when what lay there was not such a record. */
export interface Taken {
  failures: Failure[];
  refused: string | null;
}

/**
 * Takes the failures on record: the file is renamed first, so a runner that appends meanwhile
 * writes to a new file (said by a later check) and no line is said twice or lost. What lay
 * there is read through the file door: a FIFO, a link or another user's file is not waited on
 * nor read, and is removed with it, so its refusal is said once.
 */
export function takeFailures(file: string): Taken {
  const read = takeRecordFile(file, MAX_FAILURE_BYTES, 'notification failure record');
  if (read.kind === 'missing') return { failures: [], refused: null };
  if (read.kind === 'bad') return { failures: [], refused: `${read.reason}; removed` };
  if (read.uid !== process.geteuid?.())
    return { failures: [], refused: `notification failure record ${file} belongs to uid ${read.uid}, not to this user; removed` };
  const text = read.text;
  const failures: Failure[] = [];
  for (const line of text.split('\n')) {
    try {
      const raw = JSON.parse(line) as Failure;
      if (typeof raw.text === 'string' && typeof raw.source === 'string') failures.push({ source: raw.source, text: raw.text.slice(0, 1000) });
    } catch {
      // a torn or empty line
    }
  }
  return { failures, refused: null };
}
