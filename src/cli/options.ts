// The option table: one row per option, the one source of truth for the parsers (yargs-parser
// and the healthy path's plain reader), for --help, for the values and their defaults
// (src/cli/settings.ts), for --crontab's absolute paths and for the records of a launch.
//
// How to add an option:
//  1. Add a row below: `type` for the parser, `group` and `describe` (and `valueName`) for
//     --help, `kind` (how the text becomes a value: src/cli/option-kinds.ts), `default` (the
//     value itself; --help derives its text and a unit test checks it reads back), `needs`
//     (options it makes no sense without), `path: true` for a file or directory.
//  2. Read it where it lands in the resolved configuration (src/cli/settings.ts or a module
//     of your own called from there): `optionValue(values, 'my-option')` returns the parsed
//     value or the default, typed from the row; add the field to ProgramConfig
//     (src/core/program-config.ts). Values come from argv or from any {name: text} map.
//  3. A row in docs/options.md (test/unit/docs-links.test.ts checks). Nothing else: the parsers,
//     --help, the man page, completion, --crontab and --start's records follow the table.
// A refused value is an OptionError (option, value, problem): callers may reword where it came from.

import * as kind from './option-kinds.js';
import type { ValueKind } from './option-kinds.js';
import { reloadSignalKind } from './reload-signal.js';

export type OptionGroup = 'Program' | 'Actions' | 'Launch' | 'Crash loops' | 'Health and schedules' | 'Notifications' | 'Several hosts' | 'Stop' | 'Output';

/** One option: how it is parsed, read, defaulted, checked, shown. */
export interface OptionSpec<T = unknown> {
  type: 'string' | 'boolean' | 'array';
  describe: string;
  group: OptionGroup;
  valueName?: string;
  /** How a given text becomes the value (each item of an array option); plain text when absent. */
  kind?: ValueKind<T>;
  /** The value when the option is not given; --help shows it through `kind.show`. */
  default?: T;
  /** Shown in --help only when the default is not a constant (it depends on the call or another option). */
  defaultText?: string;
  /** Given without any of these options, the call is refused: "--heartbeat-timeout needs --heartbeat". */
  needs?: readonly string[];
  /** A file or directory, relative to the caller's directory: --crontab and the records make it absolute. */
  path?: true;
}

/** A row, typed by its value kind and its parser type. */
function row<T, Type extends OptionSpec['type']>(spec: OptionSpec<T> & { type: Type }): OptionSpec<T> & { type: Type } {
  return spec;
}

export const OPTIONS = {
  pid: row({
    type: 'string',
    group: 'Program',
    valueName: 'FILE',
    path: true,
    describe: 'PID file of the program; its state file, lock and default log are named after it',
  }),
  config: row({
    type: 'string',
    group: 'Program',
    valueName: 'FILE',
    path: true,
    describe: 'check every program of a TOML file (or act on those named: --status, --stop, --start, --restart, --reload NAME...); see docs/config-file.md',
  }),
  'check-config': row({
    type: 'string',
    group: 'Actions',
    valueName: 'FILE',
    path: true,
    describe: 'report every problem of a config file (file, line, key) and exit 2, or exit 0 when it has none',
  }),
  status: row({ type: 'boolean', group: 'Actions', describe: 'report the program (with --pid) or every program this user guards (without)' }),
  json: row({ type: 'boolean', group: 'Output', describe: 'with --status: print JSON (an object, or an array for all programs)' }),
  format: row({
    type: 'string',
    group: 'Output',
    valueName: 'FORMAT',
    defaultText: 'text',
    describe: "with --status: text, json (as --json) or prometheus (the text exposition format, for node_exporter's textfile collector)",
  }),
  output: row({
    type: 'string',
    group: 'Output',
    valueName: 'FILE',
    path: true,
    describe: 'with --status: write what it prints to FILE atomically (temporary file, then rename) instead of stdout',
  }),
  history: row({ type: 'boolean', group: 'Output', describe: 'with --status: list recent events (launches, deaths, backoff, stops)' }),
  stop: row({
    type: 'boolean',
    group: 'Actions',
    describe: 'stop the program (with the recorded --signal and --kill-after unless given) and hold it stopped: checks leave it alone until --start',
  }),
  start: row({
    type: 'boolean',
    group: 'Actions',
    describe: 'clear the hold, the backoff and FATAL, then check (launching if needed); without a command, the launch request on record',
  }),
  restart: row({ type: 'boolean', group: 'Actions', describe: 'stop, then start; without a command, the launch request on record' }),
  cwd: row({
    type: 'string',
    group: 'Launch',
    valueName: 'DIR',
    path: true,
    defaultText: "the caller's directory",
    describe: 'working directory of the program',
  }),
  log: row({
    type: 'string',
    group: 'Launch',
    valueName: 'FILE',
    path: true,
    defaultText: 'PID file with .pid replaced by .log',
    describe: "append the program's stdout and stderr to FILE",
  }),
  stdout: row({ type: 'string', group: 'Launch', valueName: 'FILE', path: true, describe: "append the program's stdout to FILE" }),
  stderr: row({ type: 'string', group: 'Launch', valueName: 'FILE', path: true, describe: "append the program's stderr to FILE" }),
  env: row({ type: 'array', group: 'Launch', valueName: 'KEY=VALUE', kind: kind.pairs, describe: "add to the program's environment (repeatable)" }),
  user: row({
    type: 'string',
    group: 'Launch',
    valueName: 'NAME[:GROUP]',
    describe:
      'when root: run the program as NAME (with its supplementary groups; GROUP instead of its ' +
      "primary group), HOME, USER and LOGNAME set, logs given to it; through util-linux's setpriv",
  }),
  respawn: row({
    type: 'boolean',
    group: 'Launch',
    describe:
      'leave a small sh waiter beside the program: when it ends, its exit status is recorded and the same ' +
      'check runs at once (within a second, not at the next cron call); see docs/respawn.md',
  }),
  'start-secs': row({
    type: 'string',
    group: 'Launch',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 1_000,
    describe: 'the program must stay up this long to count as started; 0 disables the check',
  }),
  interval: row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.nonZeroDuration,
    default: 60_000,
    describe: 'how often this check is called (cron: 1m); backoff delays are counted in it',
  }),
  'max-retries': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'N',
    kind: kind.count,
    default: 5,
    describe: 'failed starts in a row before FATAL (no more launches until --start)',
  }),
  'backoff-max': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 10 * 60_000,
    describe: 'longest wait between launches while backing off',
  }),
  'fatal-retry': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.durationOrOff,
    default: null,
    describe: 'once FATAL, still try once per DURATION',
  }),
  'crowd-deaths': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'N',
    kind: kind.count,
    default: 3,
    describe:
      'deaths after the start window (and hung, unhealthy or memory restarts) within ' +
      '--crowd-window that crowd: still relaunched, but said once, then hourly or when it changes',
  }),
  'crowd-window': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 10 * 60_000,
    describe: 'the window in which deaths crowd',
  }),
  'crowd-backoff': row({
    type: 'boolean',
    group: 'Crash loops',
    describe: 'crowded deaths back off (one interval, doubling up to --backoff-max) instead of being relaunched at once',
  }),
  'min-uptime': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 5 * 60_000,
    describe: 'a run this long clears the crash tallies',
  }),
  reload: row({
    type: 'boolean',
    group: 'Actions',
    describe: 'send the reload signal (--reload-signal) to the program, verified right before; no restart. Exit 1 when it does not run',
  }),
  force: row({
    type: 'boolean',
    group: 'Actions',
    describe: 'act on a program whose records belong to another user (it is then stopped and relaunched as this user)',
  }),
  crontab: row({
    type: 'boolean',
    group: 'Actions',
    describe: 'print a ready-to-paste crontab line for these options (absolute paths, PATH, schedule) and check that the command resolves',
  }),
  install: row({
    type: 'boolean',
    group: 'Actions',
    describe:
      'add the line --crontab prints to your crontab (root: a file in /etc/cron.d), under a comment that ' +
      'names the PID file or config file; run again to update it; no other line is touched',
  }),
  uninstall: row({ type: 'boolean', group: 'Actions', describe: 'remove the line --install added for this PID file or config file, and only it' }),
  logs: row({
    type: 'boolean',
    group: 'Actions',
    describe: "print the end of the program's log (with --config: every program's or the named ones', each line prefixed with its name)",
  }),
  follow: row({ type: 'boolean', group: 'Output', describe: 'with --logs: keep printing what is appended, across rotations, until interrupted' }),
  lines: row({
    type: 'string',
    group: 'Output',
    valueName: 'N',
    kind: kind.whole(0),
    default: 10,
    describe: 'with --logs: how many lines to print from the end of each log',
  }),
  forget: row({
    type: 'boolean',
    group: 'Actions',
    describe: "remove the program's records (state, PID file, promise) and its --status row; refused while it runs, unless --stop is given too",
  }),
  heartbeat: row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'FILE',
    path: true,
    describe: 'a live program whose FILE is older than --heartbeat-timeout is hung and restarted; passed to it as ENSURE_RUNNING_HEARTBEAT',
  }),
  'heartbeat-timeout': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 60_000,
    needs: ['heartbeat'],
    describe: 'how old the heartbeat may get',
  }),
  'heartbeat-grace': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    needs: ['heartbeat'],
    defaultText: 'the heartbeat timeout',
    describe: 'time after launch before the first beat is required',
  }),
  'health-url': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'URL',
    kind: kind.httpUrl,
    describe: 'GET it at each check; non-2xx, timeout or refusal is a failure',
  }),
  'health-timeout': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 2_000,
    needs: ['health-url'],
    describe: 'how long a probe may take (at most 5s)',
  }),
  'health-failures': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'N',
    kind: kind.whole(1),
    default: 3,
    needs: ['health-url'],
    describe: 'consecutive failed checks before a restart',
  }),
  'restart-at': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'CRON',
    kind: kind.cron,
    describe: 'planned restart when a scheduled time has passed since the start (e.g. "0 4 * * *")',
  }),
  schedule: row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'CRON',
    kind: kind.cron,
    describe: 'when cron calls this check; --status warns when checks stop arriving (without it, nothing is watched)',
  }),
  tz: row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'ZONE',
    needs: ['restart-at', 'schedule'],
    defaultText: 'local time',
    describe: 'time zone of --restart-at and --schedule (e.g. Europe/Paris)',
  }),
  'max-memory': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'SIZE',
    kind: kind.size,
    describe:
      "restart the program at a check when its run's resident memory (its process group and " +
      'the carriers of its launch token) is above SIZE (e.g. 500M, 2G); counted with deaths',
  }),
  'log-max-size': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'SIZE',
    kind: kind.size,
    describe: 'rotate a log past SIZE at a check (copy, then truncate; e.g. 10M)',
  }),
  'log-keep': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'N',
    kind: kind.whole(0),
    default: 5,
    needs: ['log-max-size'],
    describe: 'rotated logs kept (app.log.1 ... app.log.N)',
  }),
  'on-change': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'COMMAND',
    describe:
      'run COMMAND (with /bin/sh -c, detached) once per change of state, when a line is said; facts ' +
      'in ENSURE_RUNNING_EVENT, _NAME, _PID, _EXIT_CODE, _SIGNAL, _MESSAGE, _PIDFILE, _LOG_TAIL',
  }),
  'on-change-timeout': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 10_000,
    needs: ['on-change', 'notify-url'],
    describe: 'kill the --on-change command (and give up the --notify-url request) after this long',
  }),
  'notify-url': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'URL',
    kind: kind.httpUrl,
    describe: 'POST a JSON message (a human "text" field and the facts) to URL once per change of state, detached',
  }),
  'ping-url': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'URL',
    kind: kind.httpUrl,
    describe: "a dead-man's switch: GET URL from a check that finds the program running, at most once per --ping-every",
  }),
  'ping-fail-url': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'URL',
    kind: kind.httpUrl,
    needs: ['ping-url'],
    describe: 'GET URL once when the program goes FATAL or cannot be launched',
  }),
  'ping-every': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 5 * 60_000,
    needs: ['ping-url'],
    describe: 'how often --ping-url is requested while the program runs',
  }),
  lease: row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'URL',
    describe:
      'run the program on the one host that holds a lease in this store (postgres://USER@HOST/DB ' +
      'or redis://HOST:PORT; the password from --lease-password-file, else PGPASSWORD, PGPASSFILE or ~/.pgpass, or REDISCLI_AUTH; never the command line)',
  }),
  'lease-password-file': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'FILE',
    path: true,
    needs: ['lease'],
    describe: "the store's password: the first line of FILE (mode 0600 or less), for either engine",
  }),
  'lease-name': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'NAME',
    needs: ['lease'],
    describe: 'the lease, the same on every host (required with --lease)',
  }),
  'lease-ttl': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    needs: ['lease'],
    defaultText: '2.5 intervals, at least 2 intervals + --lease-timeout + --kill-after',
    describe: 'how long a lease lasts without renewal; refused below one interval + --lease-timeout + --kill-after',
  }),
  'lease-timeout': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 5_000,
    needs: ['lease'],
    describe: 'how long one store call may take (connection included)',
  }),
  'host-id': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'ID',
    needs: ['lease'],
    defaultText: 'ENSURE_RUNNING_HOST_ID, else a random id kept in ENSURE_RUNNING_HOME',
    describe: "this host's name in the lease",
  }),
  release: row({
    type: 'boolean',
    group: 'Actions',
    needs: ['lease'],
    describe: 'with --lease: stop the program here and let another host take the lease at its next check',
  }),
  'kill-after': row({
    type: 'string',
    group: 'Stop',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 10_000,
    describe: 'SIGKILL what is left of the run (its process group, the carriers of its launch token) this long after the stop signal',
  }),
  signal: row({
    type: 'string',
    group: 'Stop',
    valueName: 'NAME',
    kind: kind.signal,
    default: 'SIGTERM' as NodeJS.Signals,
    describe: 'the stop signal (TERM, INT, HUP, QUIT, USR1, USR2, KILL)',
  }),
  'reload-signal': row({
    type: 'string',
    group: 'Stop',
    valueName: 'NAME',
    kind: reloadSignalKind,
    defaultText: 'HUP, or the one on record',
    describe: 'the signal --reload sends (HUP, USR1, USR2, WINCH, QUIT, INT, TERM, ALRM)',
  }),
  help: row({ type: 'boolean', group: 'Output', describe: 'show the common calls and options' }),
  'help-all': row({ type: 'boolean', group: 'Output', describe: 'show every option' }),
  completion: row({
    type: 'string',
    group: 'Output',
    valueName: 'SHELL',
    describe: 'print a completion script for bash or zsh (bash: source <(ensure-running --completion bash))',
  }),
  version: row({ type: 'boolean', group: 'Output', describe: 'show the version' }),
} as const;

export type OptionName = keyof typeof OPTIONS;

/** The longest --health-timeout: a probe runs under the lock, well below its 10 s stale period. */
export const MAX_HEALTH_TIMEOUT_MS = 5_000;

/** The value type of an option, from its row. */
export type OptionValue<K extends OptionName> = (typeof OPTIONS)[K] extends { type: 'boolean' }
  ? boolean
  : (typeof OPTIONS)[K] extends OptionSpec<infer T>
    ? unknown extends T
      ? string
      : T
    : never;

/** The text of a default in --help: from the value itself, or the words of a computed default. */
export function defaultShown(spec: OptionSpec): string | undefined {
  if (spec.default !== undefined && spec.kind) return spec.kind.show(spec.default);
  return spec.defaultText;
}

/** yargs-parser settings: the target's argv after `--` is taken verbatim, never coerced. */
export const PARSER_CONFIGURATION = {
  'populate--': true,
  'parse-positional-numbers': false,
  'parse-numbers': false,
  'camel-case-expansion': false,
  'boolean-negation': false,
  'greedy-arrays': false,
  'short-option-groups': false,
  'dot-notation': false,
  'duplicate-arguments-array': true,
  'flatten-duplicate-arrays': true,
} as const;

/** The option names by parser type. */
export function namesOfType(type: OptionSpec['type']): string[] {
  return Object.entries(OPTIONS as Record<string, OptionSpec>)
    .filter(([, spec]) => spec.type === type)
    .map(([name]) => name);
}

/** The options that hold a path. */
export const PATH_OPTIONS: readonly string[] = Object.entries(OPTIONS as Record<string, OptionSpec>)
  .filter(([, spec]) => spec.path)
  .map(([name]) => name);
