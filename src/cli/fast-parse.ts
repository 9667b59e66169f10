// A reader of the plain forms of a check's arguments, from the same option table, for cron's
// healthy path: importing yargs-parser alone costs about a tenth of a node start.

import { OPTIONS, type OptionName, type OptionSpec } from './options.js';
import type { ParsedCall } from './call.js';

const TABLE = OPTIONS as Record<string, OptionSpec>;

/**
 * Reads `--name VALUE`, `--name=VALUE` and `--flag` for options of the table, then `--` and
 * the command. Anything else (an action, --help, an unknown or repeated option, a value that
 * starts with `-` or is empty, a positional argument) answers null, and the caller uses the
 * full parser. Whenever this returns a call, parseArgs returns the same call: a test runs
 * both over a corpus of argv.
 */
export function parsePlainCheck(args: string[]): ParsedCall | null {
  const dashDash = args.indexOf('--');
  const own = dashDash < 0 ? args : args.slice(0, dashDash);
  const command = dashDash < 0 ? [] : args.slice(dashDash + 1);
  const values: ParsedCall['values'] = {};
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    if (!arg.startsWith('--')) return null;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!Object.hasOwn(TABLE, name)) return null;
    const spec = TABLE[name]!;
    const key = name as OptionName;
    // Output options (--json, --format, --output ...) go with --status: never a plain check.
    if (spec.group === 'Output') return null;
    if (spec.type === 'boolean') {
      // Actions (and the output flags above) are not a plain check; a flag given twice is an error.
      if (spec.group === 'Actions') return null;
      if (eq >= 0 || key in values) return null;
      values[key] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = own[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return null;
    if (spec.type === 'array') {
      const list = (values[key] as string[] | undefined) ?? [];
      list.push(value);
      values[key] = list;
    } else {
      if (key in values) return null;
      values[key] = value;
    }
  }
  return { action: 'check', values, command };
}
