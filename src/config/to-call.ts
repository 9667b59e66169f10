// A program's merged table ([defaults], then [programs.NAME]) as the call a command line
// would make: values keyed by long option name, `command` as the argv after --. Only the
// TOML types are checked here; every value then goes through the same resolution as the
// command line's (src/cli/settings.ts), so a key means exactly what its option means.

import { isAbsolute, join } from 'node:path';
import { OPTIONS, type OptionName, type OptionSpec } from '../cli/options.js';
import type { ParsedCall } from '../cli/parse.js';
import { didYouMean } from '../core/near-name.js';
import { lineOf, type ConfigFile, type ConfigProblem, type ConfigProgram, type Table } from './load.js';

/** Options that choose what a call does or prints: given on the command line, never in a file. */
const CALL_ONLY = new Set(['config', 'check-config', 'force']);

const TABLE = OPTIONS as Record<string, OptionSpec>;

/** Whether a key may be written in a program table: every option that shapes a program. */
export function isProgramKey(key: string): boolean {
  if (key === 'command' || key === 'pid') return true;
  const spec = TABLE[key];
  return spec !== undefined && !CALL_ONLY.has(key) && spec.group !== 'Actions' && spec.group !== 'Output';
}

function typeName(value: unknown): string {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return 'an integer';
  if (typeof value === 'number') return 'a float';
  if (typeof value === 'boolean') return 'a boolean';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  return 'a table';
}

/**
 * One value as the command line would give it, or a problem. An integer is accepted where
 * the option takes a value, as its decimal text: `start-secs = 5` is `--start-secs 5` (five
 * seconds), `max-retries = 3` is `--max-retries 3`; the option's own check then applies.
 */
function asOption(name: string, spec: OptionSpec, value: unknown): string | boolean | string[] | { problem: string } {
  const wanted =
    spec.type === 'boolean'
      ? 'true or false'
      : spec.type === 'array'
        ? `an array of strings, as in ${name} = ["${spec.valueName ?? 'VALUE'}"]`
        : `a string${['N', 'DURATION', 'SIZE'].includes(spec.valueName ?? '') ? ' or an integer' : ''}${spec.valueName ? ` (${spec.valueName})` : ''}`;
  const wrong = { problem: `expected ${wanted}, got ${typeName(value)}` };
  if (spec.type === 'boolean') return typeof value === 'boolean' ? value : wrong;
  if (spec.type === 'array') {
    // env may also be a table: env = { PORT = "8080" }.
    if (name === 'env' && typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)) {
      const pairs = Object.entries(value as Table);
      if (pairs.every(([, v]) => typeof v === 'string')) return pairs.map(([k, v]) => `${k}=${String(v)}`);
      return { problem: 'expected string values, as in env = { PORT = "8080" }' };
    }
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : wrong;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return String(value);
  return wrong;
}

/** The merged table of a program: [defaults] keys, then its own on top; each key with the table it came from. */
export function mergedTable(config: ConfigFile, program: ConfigProgram): Map<string, { value: unknown; table: string }> {
  const merged = new Map<string, { value: unknown; table: string }>();
  for (const [key, value] of Object.entries(config.defaults)) merged.set(key, { value, table: 'defaults' });
  for (const [key, value] of Object.entries(program.table)) merged.set(key, { value, table: `programs.${program.name}` });
  return merged;
}

/** What a program's checks wait for when it has no `priority`: supervisord's default, after every program that has one below it. */
export const DEFAULT_PRIORITY = 999;

/** A `priority` value: an integer (TOML integer), or null when it is not one. */
function priorityOf(value: unknown): number | null {
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/**
 * A program's start order (supervisord's `priority`): the programs of the lowest priority are
 * checked together first, the next ones once those checks have ended.
 */
export function programPriority(config: ConfigFile, program: ConfigProgram): number {
  return priorityOf(mergedTable(config, program).get('priority')?.value) ?? DEFAULT_PRIORITY;
}

/** The state directory of a file's programs: `state-dir` in [defaults] (relative to the file), else `fallback`. */
export function stateDirOf(config: ConfigFile, fallback: string): string {
  const given = config.defaults['state-dir'];
  return typeof given === 'string' && given !== '' ? (isAbsolute(given) ? given : join(config.dir, given)) : fallback;
}

/**
 * The program's call for `action`, or its problems. `pid` defaults to NAME.pid in the state
 * directory; relative paths are resolved by the caller against the file's directory.
 */
export function programCall(
  config: ConfigFile,
  program: ConfigProgram,
  action: ParsedCall['action'],
  stateDir: string,
): { call: ParsedCall; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const values: ParsedCall['values'] = {};
  let command: string[] = [];
  const say = (table: string, key: string, text: string) => problems.push({ line: lineOf(config.lines, table, key), table, key, text });
  for (const [key, { value, table }] of mergedTable(config, program)) {
    if (key === 'state-dir') {
      if (table !== 'defaults') say(table, key, "goes in [defaults]: it is where the records of all the file's programs go");
      else if (typeof value !== 'string' || value === '') say(table, key, `expected a string (DIR), got ${typeName(value)}`);
      continue;
    }
    if (key === 'priority') {
      if (priorityOf(value) === null) say(table, key, `expected an integer (lower starts first, as in priority = 10), got ${typeName(value)}`);
      continue;
    }
    if (key === 'command') {
      if (table === 'defaults') say(table, key, 'goes in each [programs.NAME] table');
      else if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string')) {
        say(
          table,
          key,
          `expected a non-empty array of strings (the program and its arguments, no ` +
            `shell), as in command = ["./server.js", "--port", "8080"]; got ${typeName(value)}`,
        );
      } else if (value[0] === '') say(table, key, 'the program (the first item) is an empty string');
      else command = value as string[];
      continue;
    }
    if (!isProgramKey(key)) {
      const spec = TABLE[key];
      say(
        table,
        key,
        spec
          ? `--${key} is given on the command line, not in the file`
          : `unknown key${didYouMean(key, [...Object.keys(TABLE).filter(isProgramKey), 'command', 'priority', ...(table === 'defaults' ? ['state-dir'] : [])])}; ` +
              `the keys are the long options (ensure-running --help) without --, plus command${table === 'defaults' ? ', priority and state-dir' : ' and priority'}`,
      );
      continue;
    }
    const option = asOption(key, TABLE[key]!, value);
    if (typeof option === 'object' && !Array.isArray(option)) say(table, key, option.problem);
    else if (option !== false) values[key as OptionName] = option;
  }
  if (command.length === 0 && !program.table.command) {
    problems.push({
      line: program.line,
      table: `programs.${program.name}`,
      key: 'command',
      text: 'missing: each program needs command = ["program", "arg", ...]',
    });
  }
  if (values.pid === undefined) values.pid = join(stateDir, `${program.name}.pid`);
  return { call: { action, values, command }, problems };
}
