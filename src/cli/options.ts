// The option table: the one source of truth for the fast parser (yargs-parser) and for --help (yargs).

/** One option as the parser and the help text see it. */
export interface OptionSpec {
  type: 'string' | 'boolean' | 'array';
  describe: string;
  group: 'Program' | 'Actions' | 'Launch' | 'Crash loops' | 'Health and schedules' | 'Stop' | 'Output';
  /** Shown in help; the value itself is applied in settings.ts. */
  defaultText?: string;
  valueName?: string;
}

export const OPTIONS = {
  pid: { type: 'string', group: 'Program', valueName: 'FILE', describe: 'PID file of the program; its state file, lock and default log are named after it' },
  status: { type: 'boolean', group: 'Actions', describe: 'report the program (with --pid) or every program this user guards (without)' },
  json: { type: 'boolean', group: 'Output', describe: 'with --status: print JSON (an object, or an array for all programs)' },
  history: { type: 'boolean', group: 'Output', describe: 'with --status: list recent events (launches, deaths, backoff, stops)' },
  stop: { type: 'boolean', group: 'Actions', describe: 'stop the program (with the recorded --signal and --kill-after unless given) and hold it stopped: checks leave it alone until --start' },
  start: { type: 'boolean', group: 'Actions', describe: 'clear the hold, the backoff and FATAL, then check (launching if needed); without a command, the launch request on record' },
  restart: { type: 'boolean', group: 'Actions', describe: 'stop, then start; without a command, the launch request on record' },
  cwd: { type: 'string', group: 'Launch', valueName: 'DIR', defaultText: "the caller's directory", describe: 'working directory of the program' },
  log: { type: 'string', group: 'Launch', valueName: 'FILE', defaultText: 'PID file with .pid replaced by .log', describe: "append the program's stdout and stderr to FILE" },
  stdout: { type: 'string', group: 'Launch', valueName: 'FILE', describe: "append the program's stdout to FILE" },
  stderr: { type: 'string', group: 'Launch', valueName: 'FILE', describe: "append the program's stderr to FILE" },
  env: { type: 'array', group: 'Launch', valueName: 'KEY=VALUE', describe: "add to the program's environment (repeatable)" },
  'start-secs': { type: 'string', group: 'Launch', valueName: 'DURATION', defaultText: '1s', describe: 'the program must stay up this long to count as started; 0 disables the check' },
  interval: { type: 'string', group: 'Crash loops', valueName: 'DURATION', defaultText: '1m', describe: 'how often this check is called (cron: 1m); backoff delays are counted in it' },
  'max-retries': { type: 'string', group: 'Crash loops', valueName: 'N', defaultText: '5', describe: 'failed starts in a row before FATAL (no more launches until --start)' },
  'backoff-max': { type: 'string', group: 'Crash loops', valueName: 'DURATION', defaultText: '10m', describe: 'longest wait between launches while backing off' },
  'fatal-retry': { type: 'string', group: 'Crash loops', valueName: 'DURATION', defaultText: 'off', describe: 'once FATAL, still try once per DURATION' },
  'crowd-deaths': { type: 'string', group: 'Crash loops', valueName: 'N', defaultText: '3', describe: 'deaths after the start window (and hung, unhealthy or memory restarts) within --crowd-window that crowd: still relaunched, but said once, then hourly or when it changes' },
  'crowd-window': { type: 'string', group: 'Crash loops', valueName: 'DURATION', defaultText: '10m', describe: 'the window in which deaths crowd' },
  'crowd-backoff': { type: 'boolean', group: 'Crash loops', describe: 'crowded deaths back off (one interval, doubling up to --backoff-max) instead of being relaunched at once' },
  'min-uptime': { type: 'string', group: 'Crash loops', valueName: 'DURATION', defaultText: '5m', describe: 'a run this long clears the crash tallies' },
  force: { type: 'boolean', group: 'Actions', describe: "act on a program whose records belong to another user (it is then stopped and relaunched as this user)" },
  crontab: { type: 'boolean', group: 'Actions', describe: 'print a ready-to-paste crontab line for these options (absolute paths, PATH, schedule) and check that the command resolves' },
  heartbeat: { type: 'string', group: 'Health and schedules', valueName: 'FILE', describe: 'a live program whose FILE is older than --heartbeat-timeout is hung and restarted; passed to it as ENSURE_RUNNING_HEARTBEAT' },
  'heartbeat-timeout': { type: 'string', group: 'Health and schedules', valueName: 'DURATION', defaultText: '60s', describe: 'how old the heartbeat may get' },
  'heartbeat-grace': { type: 'string', group: 'Health and schedules', valueName: 'DURATION', defaultText: 'the heartbeat timeout', describe: 'time after launch before the first beat is required' },
  'health-url': { type: 'string', group: 'Health and schedules', valueName: 'URL', describe: 'GET it at each check; non-2xx, timeout or refusal is a failure' },
  'health-timeout': { type: 'string', group: 'Health and schedules', valueName: 'DURATION', defaultText: '2s', describe: 'how long a probe may take (at most 5s)' },
  'health-failures': { type: 'string', group: 'Health and schedules', valueName: 'N', defaultText: '3', describe: 'consecutive failed checks before a restart' },
  'restart-at': { type: 'string', group: 'Health and schedules', valueName: 'CRON', describe: 'planned restart when a scheduled time has passed since the start (e.g. "0 4 * * *")' },
  schedule: { type: 'string', group: 'Health and schedules', valueName: 'CRON', describe: 'when cron calls this check; --status warns when checks stop arriving (without it, nothing is watched)' },
  tz: { type: 'string', group: 'Health and schedules', valueName: 'ZONE', defaultText: 'local time', describe: 'time zone of --restart-at and --schedule (e.g. Europe/Paris)' },
  'log-max-size': { type: 'string', group: 'Health and schedules', valueName: 'SIZE', describe: 'rotate a log past SIZE at a check (copy, then truncate; e.g. 10M)' },
  'log-keep': { type: 'string', group: 'Health and schedules', valueName: 'N', defaultText: '5', describe: 'rotated logs kept (app.log.1 ... app.log.N)' },
  'kill-after': { type: 'string', group: 'Stop', valueName: 'DURATION', defaultText: '10s', describe: 'SIGKILL what is left of the run (its process group, the carriers of its launch token) this long after the stop signal' },
  signal: { type: 'string', group: 'Stop', valueName: 'NAME', defaultText: 'TERM', describe: 'the stop signal (TERM, INT, HUP, QUIT, USR1, USR2, KILL)' },
  help: { type: 'boolean', group: 'Output', describe: 'show this help' },
  version: { type: 'boolean', group: 'Output', describe: 'show the version' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

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
