// --help (the common calls and options, at most 40 lines) and --help-all (every option of the
// table), written from the same option table the parser uses. Loaded only when asked for.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPTIONS, defaultShown, type OptionGroup, type OptionName, type OptionSpec } from './options.js';
import { OPTION_TEXTS } from './option-texts.js';

const TABLE = OPTIONS as Record<string, OptionSpec>;

/** The calls --help shows; a call whose options are not (yet) in the table is left out. */
export const USAGE: readonly { call: string; does: string; needs: readonly string[] }[] = [
  { call: '--install --pid FILE [options] -- COMMAND [ARGS...]', does: 'add it to your crontab', needs: ['install'] },
  { call: '--pid FILE [options] -- COMMAND [ARGS...]', does: 'check: launch if not running', needs: ['pid'] },
  { call: '--status [--json]', does: 'every program you guard', needs: ['status'] },
  { call: '--pid FILE --status | --stop | --start | --restart', does: 'one program', needs: ['stop'] },
  { call: '--pid FILE --logs [--follow]', does: 'its log', needs: ['logs', 'follow'] },
  { call: '--config FILE [--status | --stop | --start NAME...]', does: 'every program of a TOML file', needs: ['config'] },
  { call: '--crontab --pid FILE [options] -- COMMAND [ARGS...]', does: 'print the crontab line', needs: ['crontab'] },
  { call: '--uninstall --pid FILE [options] -- COMMAND [ARGS...]', does: 'remove that crontab line', needs: ['uninstall'] },
];

/** The options --help shows (those in the table), in this order. */
export const COMMON = ['pid', 'cwd', 'log', 'env', 'user', 'schedule', 'start-secs', 'max-retries', 'heartbeat', 'health-url', 'max-memory', 'on-change'];

/** What the value words of the table mean, once. */
export const VALUE_WORDS = [
  'DURATION: seconds, or a number with ms, s, m, h or d (500ms, 10s, 1.5m), at most 24d;',
  'N: a whole number; SIZE: bytes, or a number with k, M or G (10M); CRON: five cron fields.',
];

export const EXIT_CODES = [
  'Exit codes of a check: 0 running (or held stopped), 1 not running, 2 usage or configuration error.',
  'Of --status: 0 running, 1 dead (crashed, backoff, fatal), 3 stopped or held, 4 unknown.',
];

export const SUMMARY = 'keep one instance of a program alive from cron, with no resident supervisor';

/** `--name VALUE` as shown. */
export function label(name: string, spec: OptionSpec): string {
  return spec.valueName ? `--${name} ${spec.valueName}` : `--${name}`;
}

/** The description with its default, as --help-all and the man page show it. */
export function described(name: string, spec: OptionSpec): string {
  const shown = defaultShown(spec);
  const text = textOf(name);
  return shown !== undefined ? `${text} [default: ${shown}]` : text;
}

/** What --help says of an option (src/cli/option-texts.ts). */
export function textOf(name: string): string {
  return OPTION_TEXTS[name as OptionName];
}

/** The rows of the table by group, in the table's order of first appearance. */
export function groups(): [OptionGroup, [string, OptionSpec][]][] {
  const byGroup = new Map<OptionGroup, [string, OptionSpec][]>();
  for (const [name, spec] of Object.entries(TABLE)) {
    const rows = byGroup.get(spec.group) ?? [];
    rows.push([name, spec]);
    byGroup.set(spec.group, rows);
  }
  return [...byGroup];
}

/** Words wrapped to `width` columns, every line but the first indented by `indent`. */
function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}

/** Two columns: the left one padded to `column`, the right one wrapped (on a line of its own when the left is too wide). */
function columns(left: string, right: string, column: number, width: number): string[] {
  const body = wrap(right, Math.max(20, width - column), column);
  if (left.length + 2 > column) return [left, ' '.repeat(column) + body[0], ...body.slice(1)];
  return [left.padEnd(column) + body[0], ...body.slice(1)];
}

/** The first part of a description, before its first ';': what --help has room for. */
export function gist(text: string): string {
  const first = text.split(';')[0]!.trim();
  // A parenthesis the cut left open is dropped whole.
  const open = first.lastIndexOf(' (');
  return open >= 0 && first.indexOf(')', open) < 0 ? first.slice(0, open) : first;
}

/** The docs/ folder of this copy (bundled: dist/chunks/ or dist/; from source: src/cli/), or null. */
export function docsDir(): string | null {
  for (const up of ['../docs/', '../../docs/', '../../../docs/']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${dir}getting-started.md`)) return dir.replace(/\/$/, '');
  }
  return null;
}

/** The help text: the common calls and options, or (all) every option of the table. */
export function helpText(version: string, all: boolean, width = 100, docs: string | null = null): string {
  const out = [`ensure-running ${version}: ${SUMMARY}.`, '', 'Usage:'];
  const usage = USAGE.filter((u) => u.needs.every((name) => name in TABLE));
  for (const u of usage) out.push(...columns(`  ensure-running ${u.call}`, u.does, 72, width));
  if (!all) {
    out.push('', 'Common options:');
    const rows = COMMON.filter((name) => name in TABLE).map((name) => [name, TABLE[name]!] as const);
    for (const [name, spec] of rows) {
      const shown = defaultShown(spec);
      out.push(...columns(`  ${label(name, spec)}`, `${gist(textOf(name))}${shown !== undefined ? ` [default: ${shown}]` : ''}`, 26, width));
    }
  } else {
    for (const [group, rows] of groups()) {
      out.push('', `${group}:`);
      for (const [name, spec] of rows) out.push(...columns(`  ${label(name, spec)}`, described(name, spec), 32, width));
    }
  }
  out.push('', ...VALUE_WORDS, ...EXIT_CODES);
  out.push(
    'Everything after -- is the program and its arguments, passed unchanged, without a shell.',
    all ? 'More: man ensure-running.' : 'More: ensure-running --help-all (every option), man ensure-running.',
    `Guides: ${docs ?? 'the docs/ folder of the package'} (getting-started.md first).`,
  );
  return `${out.join('\n')}\n`;
}

/** Prints --help, or --help-all. */
export function printHelp(version: string, all = false): void {
  const columnsNow = process.stdout.columns;
  process.stdout.write(helpText(version, all, columnsNow ? Math.max(72, Math.min(110, columnsNow)) : 100, docsDir()));
}
