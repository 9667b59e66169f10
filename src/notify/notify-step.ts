// The check's hook for --on-change, --notify-url and --ping-url, under the program's lock: a
// check whose transitions said lines (or that warned) made a change (one event, once: the next
// check finds nothing new), named from the transitions its decisions made; the requests go to a
// detached runner the check does not wait for, and the failures the runners left since the last
// check are said here, once.

import { probePid } from '../os/proc-identity.js';
import { notifyFiles } from './files.js';
import { changeOf, hookEnv, webhookBody } from '../core/change-event.js';
import { decidePing, type PingRecord } from '../core/ping.js';
import { sayOnce } from '../core/said-once.js';
import { emptyState, type ProgramState } from '../core/state.js';
import type { Told, Transition } from '../core/transition.js';
import { readStateFile, writeStateFile } from '../os/state-file.js';
import type { NotifyOptions, ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { ConfigError, EXIT } from '../errors.js';
import { takeFailures, type Job } from './jobs.js';
import { startRunner } from './start-runner.js';

/** How long a ping may take: dead-man's-switch services answer at once, and nothing waits for it. */
export const PING_TIMEOUT_MS = 10_000;

export { notifyFiles } from './files.js';

function readState(stateFile: string): ProgramState {
  const read = readStateFile(stateFile);
  return read.kind === 'ok' ? read.state : emptyState();
}

/**
 * After one check under the lock: the change its transitions made (and its message, the lines
 * it said) is told to the hook and the webhook, and the ping is sent when due. `world` says the
 * failures of earlier notifications. It adds no failure of its own: a notification that cannot
 * be sent is a line, never a failed check; a check that ended in an error is told as
 * `not running`, its error the last line of the message. Returns true when a notification went out.
 */
export function tellChanges(config: ProgramConfig, notify: NotifyOptions, told: Told, world: World, ended: { code: number } | { error: unknown }): boolean {
  const lines = [...told.said];
  let code: number;
  if ('error' in ended) {
    // A launch refused (command not found) or a check that could not act: its line, said by the
    // entry point after this, is the change (a configuration error quiet on repeat is none).
    const { error } = ended;
    const quiet = error instanceof ConfigError && error.quiet;
    if (!quiet && error instanceof Error) lines.push(`ensure-running: ${error.message}`);
    code = EXIT.notRunning;
  } else code = ended.code;
  try {
    return tellAfter(config, notify, world, told.transitions, lines, code);
  } catch (error) {
    world.warn(`${config.paths.name}: could not send the notifications: ${(error as Error).message}`);
    return false;
  }
}

/** Says the failures on record, then starts the runner for what this check calls for; true when it started one. */
function tellAfter(config: ProgramConfig, notify: NotifyOptions, world: World, transitions: Transition[], lines: string[], code: number): boolean {
  const { paths } = config;
  const files = notifyFiles(paths.pidFile);
  const now = world.now();
  let state = readState(paths.stateFile);
  const jobs: Job[] = [];

  const change = changeOf({ transitions, said: lines }, state, { name: paths.name, pidFile: paths.pidFile }, now);
  if (change && notify.onChange) {
    jobs.push({
      kind: 'command',
      what: `${paths.name}: --on-change for "${change.event}"`,
      command: notify.onChange,
      env: hookEnv(change),
      logFile: files.hookLog,
      timeoutMs: notify.timeoutMs,
    });
  }
  if (change && notify.notifyUrl) {
    jobs.push({
      kind: 'http',
      source: 'notify-url',
      what: `${paths.name}: --notify-url ${notify.notifyUrl} for "${change.event}"`,
      method: 'POST',
      url: notify.notifyUrl,
      body: JSON.stringify(webhookBody(change)),
      timeoutMs: notify.timeoutMs,
    });
  }

  let ping: PingRecord | undefined = state.ping;
  if (notify.pingUrl) {
    const running = code === 0 && state.identity !== null && !state.held;
    const decided = decidePing(state.ping, state, running, { everyMs: notify.pingEveryMs, failUrl: !!notify.pingFailUrl }, now);
    ping = decided.record;
    if (decided.request === 'ping')
      jobs.push({
        kind: 'http',
        source: 'ping-url',
        what: `${paths.name}: --ping-url ${notify.pingUrl}`,
        method: 'GET',
        url: notify.pingUrl,
        body: null,
        timeoutMs: PING_TIMEOUT_MS,
      });
    if (decided.request === 'fail')
      jobs.push({
        kind: 'http',
        source: 'ping-fail-url',
        what: `${paths.name}: --ping-fail-url ${notify.pingFailUrl}`,
        method: 'GET',
        url: notify.pingFailUrl!,
        body: null,
        timeoutMs: PING_TIMEOUT_MS,
      });
  }

  // Failures the runners left since the last check: a hook's or a webhook's are said each (one
  // per change); a ping's once a day while it stays the same, so a dead URL is no mail per ping.
  const taken = takeFailures(files.failures);
  if (taken.refused) world.warn(`${paths.name}: warning: ${taken.refused}`);
  for (const failure of taken.failures) {
    if (failure.source === 'ping-url' || failure.source === 'ping-fail-url') {
      const said = sayOnce(ping?.said, failure.text, now);
      if (ping) ping = { ...ping, said: said.said };
      if (!said.say) continue;
    }
    world.warn(failure.text);
  }
  const before = JSON.stringify(state);
  if (ping && JSON.stringify(ping) !== JSON.stringify(state.ping)) state = { ...state, ping };
  // The runner on record: while it runs, the checks give no promise (src/commands/promise.ts).
  const pid = startRunner({ jobs, failureFile: files.failures }, world.env);
  const probe = pid === null ? null : probePid(pid);
  if (probe?.kind === 'alive' && probe.startTime !== null) state = { ...state, notifier: { pid: pid!, startTime: probe.startTime } };
  if (JSON.stringify(state) !== before) writeStateFile(paths.stateFile, state);
  return jobs.length > 0;
}
