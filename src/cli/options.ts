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
  }),
  config: row({
    type: 'string',
    group: 'Program',
    valueName: 'FILE',
    path: true,
  }),
  'check-config': row({
    type: 'string',
    group: 'Actions',
    valueName: 'FILE',
    path: true,
  }),
  status: row({ type: 'boolean', group: 'Actions' }),
  json: row({ type: 'boolean', group: 'Output' }),
  format: row({
    type: 'string',
    group: 'Output',
    valueName: 'FORMAT',
    defaultText: 'text',
  }),
  output: row({
    type: 'string',
    group: 'Output',
    valueName: 'FILE',
    path: true,
  }),
  history: row({ type: 'boolean', group: 'Output' }),
  stop: row({
    type: 'boolean',
    group: 'Actions',
  }),
  start: row({
    type: 'boolean',
    group: 'Actions',
  }),
  restart: row({ type: 'boolean', group: 'Actions' }),
  cwd: row({
    type: 'string',
    group: 'Launch',
    valueName: 'DIR',
    path: true,
    defaultText: "the caller's directory",
  }),
  log: row({
    type: 'string',
    group: 'Launch',
    valueName: 'FILE',
    path: true,
    defaultText: 'PID file with .pid replaced by .log',
  }),
  stdout: row({ type: 'string', group: 'Launch', valueName: 'FILE', path: true }),
  stderr: row({ type: 'string', group: 'Launch', valueName: 'FILE', path: true }),
  env: row({ type: 'array', group: 'Launch', valueName: 'KEY=VALUE', kind: kind.pairs }),
  user: row({
    type: 'string',
    group: 'Launch',
    valueName: 'NAME[:GROUP]',
  }),
  respawn: row({
    type: 'boolean',
    group: 'Launch',
  }),
  'start-secs': row({
    type: 'string',
    group: 'Launch',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 1_000,
  }),
  interval: row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.nonZeroDuration,
    default: 60_000,
  }),
  'max-retries': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'N',
    kind: kind.count,
    default: 5,
  }),
  'backoff-max': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 10 * 60_000,
  }),
  'fatal-retry': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.durationOrOff,
    default: null,
  }),
  'crowd-deaths': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'N',
    kind: kind.count,
    default: 3,
  }),
  'crowd-window': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 10 * 60_000,
  }),
  'crowd-backoff': row({
    type: 'boolean',
    group: 'Crash loops',
  }),
  'min-uptime': row({
    type: 'string',
    group: 'Crash loops',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 5 * 60_000,
  }),
  reload: row({
    type: 'boolean',
    group: 'Actions',
  }),
  force: row({
    type: 'boolean',
    group: 'Actions',
  }),
  crontab: row({
    type: 'boolean',
    group: 'Actions',
  }),
  install: row({
    type: 'boolean',
    group: 'Actions',
  }),
  uninstall: row({ type: 'boolean', group: 'Actions' }),
  logs: row({
    type: 'boolean',
    group: 'Actions',
  }),
  follow: row({ type: 'boolean', group: 'Output' }),
  lines: row({
    type: 'string',
    group: 'Output',
    valueName: 'N',
    kind: kind.whole(0),
    default: 10,
  }),
  forget: row({
    type: 'boolean',
    group: 'Actions',
  }),
  heartbeat: row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'FILE',
    path: true,
  }),
  'heartbeat-timeout': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 60_000,
    needs: ['heartbeat'],
  }),
  'heartbeat-grace': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    needs: ['heartbeat'],
    defaultText: 'the heartbeat timeout',
  }),
  'health-url': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'URL',
    kind: kind.httpUrl,
  }),
  'health-timeout': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 2_000,
    needs: ['health-url'],
  }),
  'health-failures': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'N',
    kind: kind.whole(1),
    default: 3,
    needs: ['health-url'],
  }),
  'restart-at': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'CRON',
    kind: kind.cron,
  }),
  schedule: row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'CRON',
    kind: kind.cron,
  }),
  tz: row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'ZONE',
    needs: ['restart-at', 'schedule'],
    defaultText: 'local time',
  }),
  'max-memory': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'SIZE',
    kind: kind.size,
  }),
  'log-max-size': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'SIZE',
    kind: kind.size,
  }),
  'log-keep': row({
    type: 'string',
    group: 'Health and schedules',
    valueName: 'N',
    kind: kind.whole(0),
    default: 5,
    needs: ['log-max-size'],
  }),
  'on-change': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'COMMAND',
  }),
  'on-change-timeout': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 10_000,
    needs: ['on-change', 'notify-url'],
  }),
  'notify-url': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'URL',
    kind: kind.httpUrl,
  }),
  'ping-url': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'URL',
    kind: kind.httpUrl,
  }),
  'ping-fail-url': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'URL',
    kind: kind.httpUrl,
    needs: ['ping-url'],
  }),
  'ping-every': row({
    type: 'string',
    group: 'Notifications',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 5 * 60_000,
    needs: ['ping-url'],
  }),
  lease: row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'URL',
  }),
  'lease-password-file': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'FILE',
    path: true,
    needs: ['lease'],
  }),
  'lease-name': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'NAME',
    needs: ['lease'],
  }),
  'lease-ttl': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    needs: ['lease'],
    defaultText: '2.5 intervals, at least 2 intervals + --lease-timeout + --kill-after',
  }),
  'lease-timeout': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'DURATION',
    kind: kind.positiveDuration,
    default: 5_000,
    needs: ['lease'],
  }),
  'host-id': row({
    type: 'string',
    group: 'Several hosts',
    valueName: 'ID',
    needs: ['lease'],
    defaultText: 'ENSURE_RUNNING_HOST_ID, else a random id kept in ENSURE_RUNNING_HOME',
  }),
  release: row({
    type: 'boolean',
    group: 'Actions',
    needs: ['lease'],
  }),
  'kill-after': row({
    type: 'string',
    group: 'Stop',
    valueName: 'DURATION',
    kind: kind.duration,
    default: 10_000,
  }),
  signal: row({
    type: 'string',
    group: 'Stop',
    valueName: 'NAME',
    kind: kind.signal,
    default: 'SIGTERM' as NodeJS.Signals,
  }),
  'reload-signal': row({
    type: 'string',
    group: 'Stop',
    valueName: 'NAME',
    kind: reloadSignalKind,
    defaultText: 'HUP, or the one on record',
  }),
  help: row({ type: 'boolean', group: 'Output' }),
  'help-all': row({ type: 'boolean', group: 'Output' }),
  completion: row({
    type: 'string',
    group: 'Output',
    valueName: 'SHELL',
  }),
  version: row({ type: 'boolean', group: 'Output' }),
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

/**
 * Whether an option holds a path: asked of its row. Not a list made when this module loads: a
 * full check loads it at every start, and making that list was a fifth of its cost.
 */
export function isPathOption(name: string): boolean {
  return Object.hasOwn(OPTIONS, name) && (OPTIONS as Record<string, OptionSpec>)[name]!.path === true;
}

/** The options that hold a path, in the table's order. */
export function pathOptions(): string[] {
  return Object.keys(OPTIONS).filter(isPathOption);
}
