// Starts the detached notification runner (src/notify/runner.ts, bundled as dist/notify-runner.js):
// its own session, stdin /dev/null, no output to the check's stderr. The check does not wait.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { appendFailure, TASK_VAR, type RunnerTask } from './jobs.js';

/** The runner beside the bundle: this module is in dist/ or dist/chunks/ once built. */
function runnerPath(): string {
  for (const candidate of ['./notify-runner.js', '../notify-runner.js']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('notify-runner.js is missing beside the bundle; reinstall ensure-running');
}

/** Starts the runner for these jobs and returns its PID; a runner that cannot start is a failure on record like any other. */
export function startRunner(task: RunnerTask, env: NodeJS.ProcessEnv): number | null {
  if (task.jobs.length === 0) return null;
  try {
    // spawn() forks and execs synchronously: the runner exists when this returns, and, in its
    // own session, it is not ended with the check nor with cron's process group.
    const child = spawn(process.execPath, [runnerPath()], { detached: true, stdio: 'ignore', env: { ...env, [TASK_VAR]: JSON.stringify(task) } });
    child.on('error', (error) => recordAll(task, `could not be started: ${error.message}`));
    child.unref();
    return child.pid ?? null;
  } catch (error) {
    recordAll(task, `could not be started: ${(error as Error).message}`);
    return null;
  }
}

function recordAll(task: RunnerTask, why: string): void {
  for (const job of task.jobs) {
    try {
      appendFailure(task.failureFile, { source: job.kind === 'command' ? 'on-change' : job.source, text: `${job.what} ${why}` });
    } catch {
      // nowhere to record it
    }
  }
}
