// Parses argv into a typed call, with yargs-parser (yargs's own parser) and our option table.

import parser from 'yargs-parser';
import { OPTIONS, PARSER_CONFIGURATION, namesOfType, type OptionName } from './options.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../core/near-name.js';
import { parsePlainCheck } from './fast-parse.js';
import type { ParsedCall } from './call.js';

export type { Action, ParsedCall } from './call.js';

/**
 * Parses a call's arguments: the plain forms of a check by the short reader of the same
 * option table (src/cli/fast-parse.ts, which gives exactly what parseArgs gives), anything
 * else by parseArgs. A quiet check thus never runs, nor in dist/check.cjs loads, yargs-parser.
 */
export function parseCall(args: string[]): ParsedCall {
  return parsePlainCheck(args) ?? parseArgs(args);
}

/** Parses the arguments; throws a UsageError naming the option for anything off. */
export function parseArgs(args: string[]): ParsedCall {
  const dashDash = args.indexOf('--');
  const own = dashDash < 0 ? args : args.slice(0, dashDash);
  const command = dashDash < 0 ? [] : args.slice(dashDash + 1);
  // The names by type, from the table: made here, not when this module loads, which a full check
  // does at every start without coming here (a plain check is read by src/cli/fast-parse.ts).
  const arrays = namesOfType('array');
  const parsed = parser.detailed(own, {
    string: [...namesOfType('string'), ...arrays],
    array: arrays,
    boolean: namesOfType('boolean'),
    configuration: PARSER_CONFIGURATION,
  });
  if (parsed.error) throw new UsageError(parsed.error.message);
  const argv = parsed.argv as Record<string, unknown>;
  const values: ParsedCall['values'] = {};
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '--') continue;
    if (!(key in OPTIONS)) {
      const near = didYouMean(key, Object.keys(OPTIONS), (name) => `--${name}`);
      throw new UsageError(`unknown option ${key.length === 1 ? '-' : '--'}${key}${near}; see ensure-running --help (the program's own options go after --)`);
    }
    const name = key as OptionName;
    const spec = OPTIONS[name];
    if (spec.type === 'array') {
      const list = (Array.isArray(value) ? value : [value]).map(String);
      if (list.some((item) => item === '')) throw new UsageError(`--${name} needs a value: --${name} ${spec.valueName ?? 'VALUE'}`);
      values[name] = list;
    } else if (spec.type === 'string') {
      if (Array.isArray(value)) throw new UsageError(`--${name} is given ${value.length} times; give it once`);
      if (value === '' || typeof value !== 'string') throw new UsageError(`--${name} needs a value: --${name} ${spec.valueName ?? 'VALUE'}`);
      values[name] = value;
    } else {
      if (Array.isArray(value)) throw new UsageError(`--${name} is given more than once`);
      if (typeof value !== 'boolean') throw new UsageError(`--${name} takes no value`);
      values[name] = value;
    }
  }
  const positional = (argv._ as unknown[]).map(String);
  if (positional.length > 0 && typeof values.config !== 'string') {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(String(positional[0]))}: put the program's command after --, as in: ensure-running --pid app.pid -- ./server.js`,
    );
  }
  const actions = (['status', 'stop', 'start', 'restart', 'reload', 'release', 'crontab', 'install', 'uninstall', 'logs', 'forget'] as const).filter(
    (a) => values[a] === true,
  );
  // --forget --stop: stop the program first, then forget it; one action.
  if (values.forget === true && values.stop === true) actions.splice(actions.indexOf('stop'), 1);
  if (values.help || values['help-all']) return { action: 'help', values, command };
  if (typeof values.completion === 'string') return { action: 'completion', values, command };
  if (values.version) return { action: 'version', values, command };
  if (actions.length > 1) throw new UsageError(`--${actions[0]} and --${actions[1]} cannot be used together; choose one`);
  for (const flag of ['follow', 'lines'] as const) {
    if (values[flag] !== undefined && actions[0] !== 'logs')
      throw new UsageError(`--${flag} goes with --logs: ensure-running --pid FILE --logs --${flag}${flag === 'lines' ? ' N' : ''}`);
  }
  for (const flag of ['json', 'history', 'format', 'output'] as const) {
    if (values[flag] && actions[0] !== 'status')
      throw new UsageError(
        `--${flag} goes with --status: ensure-running --pid FILE --status --${flag}${OPTIONS[flag].type === 'string' ? ` ${OPTIONS[flag].valueName}` : ''}`,
      );
  }
  return { action: actions[0] ?? 'check', values, command, ...(positional.length ? { names: positional } : {}) };
}
