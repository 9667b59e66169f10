// The detached notification runner: started by a check in its own session, it outlives the
// check, runs the --on-change command and the HTTP requests with their time bounds, kills a
// command that overruns (its whole process group), and leaves any failure for the next check.

import { closeSync, writeSync } from 'node:fs';
import { openAppend } from '../os/door.js';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { appendFailure, TASK_VAR, type Failure, type Job, type RunnerTask } from './jobs.js';

/** Extra time after the longest job before the runner gives up on itself. */
const RUNNER_MARGIN_MS = 5_000;

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Opens the hook log for appending through the file door (never through a link, never blocking
 * on a FIFO, never a hard link to another file); the hook's output is dropped when it is refused.
 */
function openLog(file: string): number | 'ignore' {
  try {
    return openAppend(file, 'hook log', { devNull: true, blocking: true }).fd;
  } catch {
    return 'ignore';
  }
}

/** Runs COMMAND through /bin/sh -c in its own session; returns the failure line, or null. */
function runCommand(job: Extract<Job, { kind: 'command' }>): Promise<string | null> {
  const log = openLog(job.logFile);
  if (typeof log === 'number') writeSync(log, `--- ${new Date().toISOString()} ${job.env.ENSURE_RUNNING_EVENT ?? ''} ${job.env.ENSURE_RUNNING_NAME ?? ''}\n`);
  return new Promise((done) => {
    const { [TASK_VAR]: _task, ...env } = process.env;
    const child = spawn('/bin/sh', ['-c', job.command], { detached: true, stdio: ['ignore', log, log], env: { ...env, ...job.env } });
    if (typeof log === 'number') closeSync(log);
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      // The hook's whole process group: a pipeline or a `sleep` it started goes with it.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, job.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      done(`${job.what} could not be run: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (killed) done(`${job.what} was killed after ${seconds(job.timeoutMs)} (--on-change-timeout); its output is in ${job.logFile}`);
      else if (code === 0) done(null);
      else done(`${job.what} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; its output is in ${job.logFile}`);
    });
  });
}

/**
 * One HTTP request; any 2xx is success. Returns the failure line, or null. node:http, not
 * fetch: fetch refuses "bad ports" of browsers (a webhook on port 6000 is legal here).
 */
function runHttp(job: Extract<Job, { kind: 'http' }>): Promise<string | null> {
  return new Promise((done) => {
    const url = new URL(job.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = job.body === null ? null : Buffer.from(job.body, 'utf8');
    const headers: Record<string, string | number> = { 'user-agent': 'ensure-running' };
    if (body) Object.assign(headers, { 'content-type': 'application/json', 'content-length': body.length });
    let settled = false;
    const finish = (line: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(line);
    };
    const request = send(url, { method: job.method, headers }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      finish(status >= 200 && status < 300 ? null : `${job.what} failed: HTTP ${status}`);
    });
    const timer = setTimeout(() => {
      finish(`${job.what} failed: no answer within ${seconds(job.timeoutMs)}`);
      request.destroy();
    }, job.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => finish(`${job.what} failed: ${error.code ?? error.message}`));
    request.end(body ?? undefined);
  });
}

async function main(): Promise<void> {
  const task = JSON.parse(process.env[TASK_VAR] ?? '{}') as RunnerTask;
  const longest = Math.max(0, ...task.jobs.map((job) => job.timeoutMs));
  // Whatever happens, the runner ends: a bound of its own beyond the jobs' bounds.
  setTimeout(() => process.exit(1), longest + RUNNER_MARGIN_MS).unref();
  await Promise.all(
    task.jobs.map(async (job) => {
      const line = job.kind === 'command' ? await runCommand(job) : await runHttp(job);
      const source: Failure['source'] = job.kind === 'command' ? 'on-change' : job.source;
      if (line !== null) {
        try {
          appendFailure(task.failureFile, { source, text: line });
        } catch {
          // the directory refuses the file: nothing is left to tell the failure to
        }
      }
    }),
  );
}

await main();
