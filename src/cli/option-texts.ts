// What --help, the man page and the shell completion say of each option; how each is parsed,
// read, defaulted and checked is the option table's (src/cli/options.ts). Apart from it so that
// a check, which never shows them, does not carry them: every string of the full check's code
// cache is looked up in V8's string table at every start, and these were a percent of a check
// (docs/speed.md). One text per option, checked by the type.

import type { OptionName } from './options.js';

export const OPTION_TEXTS: Record<OptionName, string> = {
  pid: 'PID file of the program; its state file, lock and default log are named after it',
  config: 'check every program of a TOML file (or act on those named: --status, --stop, --start, --restart, --reload NAME...); see docs/config-file.md',
  'check-config': 'report every problem of a config file (file, line, key) and exit 2, or exit 0 when it has none',
  status: 'report the program (with --pid) or every program this user guards (without)',
  json: 'with --status: print JSON (an object, or an array for all programs)',
  format: "with --status: text, json (as --json) or prometheus (the text exposition format, for node_exporter's textfile collector)",
  output: 'with --status: write what it prints to FILE atomically (temporary file, then rename) instead of stdout',
  history: 'with --status: list recent events (launches, deaths, backoff, stops)',
  stop: 'stop the program (with the recorded --signal and --kill-after unless given) and hold it stopped: checks leave it alone until --start',
  start: 'clear the hold, the backoff and FATAL, then check (launching if needed); without a command, the launch request on record',
  restart: 'stop, then start; without a command, the launch request on record',
  cwd: 'working directory of the program',
  log: "append the program's stdout and stderr to FILE",
  stdout: "append the program's stdout to FILE",
  stderr: "append the program's stderr to FILE",
  env: "add to the program's environment (repeatable)",
  user:
    'when root: run the program as NAME (with its supplementary groups; GROUP instead of its ' +
    "primary group), HOME, USER and LOGNAME set, logs given to it; through util-linux's setpriv",
  respawn:
    'leave a small sh waiter beside the program: when it ends, its exit status is recorded and the same ' +
    'check runs at once (within a second, not at the next cron call); see docs/respawn.md',
  'start-secs': 'the program must stay up this long to count as started; 0 disables the check',
  interval: 'how often this check is called (cron: 1m); backoff delays are counted in it',
  'max-retries': 'failed starts in a row before FATAL (no more launches until --start)',
  'backoff-max': 'longest wait between launches while backing off',
  'fatal-retry': 'once FATAL, still try once per DURATION',
  'crowd-deaths':
    'deaths after the start window (and hung, unhealthy or memory restarts) within ' +
    '--crowd-window that crowd: still relaunched, but said once, then hourly or when it changes',
  'crowd-window': 'the window in which deaths crowd',
  'crowd-backoff': 'crowded deaths back off (one interval, doubling up to --backoff-max) instead of being relaunched at once',
  'min-uptime': 'a run this long clears the crash tallies',
  reload: 'send the reload signal (--reload-signal) to the program, verified right before; no restart. Exit 1 when it does not run',
  force: 'act on a program whose records belong to another user (it is then stopped and relaunched as this user)',
  crontab: 'print a ready-to-paste crontab line for these options (absolute paths, PATH, schedule) and check that the command resolves',
  install:
    'add the line --crontab prints to your crontab (root: a file in /etc/cron.d), under a comment that ' +
    'names the PID file or config file; run again to update it; no other line is touched',
  uninstall: 'remove the line --install added for this PID file or config file, and only it',
  logs: "print the end of the program's log (with --config: every program's or the named ones', each line prefixed with its name)",
  follow: 'with --logs: keep printing what is appended, across rotations, until interrupted',
  lines: 'with --logs: how many lines to print from the end of each log',
  forget: "remove the program's records (state, PID file, promise) and its --status row; refused while it runs, unless --stop is given too",
  heartbeat: 'a live program whose FILE is older than --heartbeat-timeout is hung and restarted; passed to it as ENSURE_RUNNING_HEARTBEAT',
  'heartbeat-timeout': 'how old the heartbeat may get',
  'heartbeat-grace': 'time after launch before the first beat is required',
  'health-url': 'GET it at each check; non-2xx, timeout or refusal is a failure',
  'health-timeout': 'how long a probe may take (at most 5s)',
  'health-failures': 'consecutive failed checks before a restart',
  'restart-at': 'planned restart when a scheduled time has passed since the start (e.g. "0 4 * * *")',
  schedule: 'when cron calls this check; --status warns when checks stop arriving (without it, nothing is watched)',
  tz: 'time zone of --restart-at and --schedule (e.g. Europe/Paris)',
  'max-memory':
    "restart the program at a check when its run's resident memory (its process group and " +
    'the carriers of its launch token) is above SIZE (e.g. 500M, 2G); counted with deaths',
  'log-max-size': 'rotate a log past SIZE at a check (copy, then truncate; e.g. 10M)',
  'log-keep': 'rotated logs kept (app.log.1 ... app.log.N)',
  'on-change':
    'run COMMAND (with /bin/sh -c, detached) once per change of state, when a line is said; facts ' +
    'in ENSURE_RUNNING_EVENT, _NAME, _PID, _EXIT_CODE, _SIGNAL, _MESSAGE, _PIDFILE, _LOG_TAIL',
  'on-change-timeout': 'kill the --on-change command (and give up the --notify-url request) after this long',
  'notify-url': 'POST a JSON message (a human "text" field and the facts) to URL once per change of state, detached',
  'ping-url': "a dead-man's switch: GET URL from a check that finds the program running, at most once per --ping-every",
  'ping-fail-url': 'GET URL once when the program goes FATAL or cannot be launched',
  'ping-every': 'how often --ping-url is requested while the program runs',
  lease:
    'run the program on the one host that holds a lease in this store (postgres://USER@HOST/DB ' +
    'or redis://HOST:PORT; the password from --lease-password-file, else PGPASSWORD, PGPASSFILE or ~/.pgpass, or REDISCLI_AUTH; never the command line)',
  'lease-password-file': "the store's password: the first line of FILE (mode 0600 or less), for either engine",
  'lease-name': 'the lease, the same on every host (required with --lease)',
  'lease-ttl': 'how long a lease lasts without renewal; refused below one interval + --lease-timeout + --kill-after',
  'lease-timeout': 'how long one store call may take (connection included)',
  'host-id': "this host's name in the lease",
  release: 'with --lease: stop the program here and let another host take the lease at its next check',
  'kill-after': 'SIGKILL what is left of the run (its process group, the carriers of its launch token) this long after the stop signal',
  signal: 'the stop signal (TERM, INT, HUP, QUIT, USR1, USR2, KILL)',
  'reload-signal': 'the signal --reload sends (HUP, USR1, USR2, WINCH, QUIT, INT, TERM, ALRM)',
  help: 'show the common calls and options',
  'help-all': 'show every option',
  completion: 'print a completion script for bash or zsh (bash: source <(ensure-running --completion bash))',
  version: 'show the version',
};
