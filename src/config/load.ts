// Reads a config file: TOML 1.0 (smol-toml), one `[defaults]` table and one `[programs.NAME]`
// table per program. Collects every problem it can find with its line, rather than stopping
// at the first, so that --check-config reports them all at once.

import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { UsageError } from '../errors.js';
import { readNamedFile } from '../os/door.js';
import { scanLines, type SourceLines } from './lines.js';
import { quoteArgv } from '../core/shell-quote.js';
import { userName } from '../os/owner.js';

/** One problem of a file: where (line, table, key) and what. */
export interface ConfigProblem {
  line: number | null;
  /** `defaults`, `programs.web`, or null for the file as a whole. */
  table: string | null;
  key: string | null;
  text: string;
}

export type Table = Record<string, unknown>;

export interface ConfigProgram {
  name: string;
  /** The program's own table, and its line. */
  table: Table;
  line: number;
}

export interface ConfigFile {
  /** Absolute path, and the directory relative paths in it are resolved against. */
  file: string;
  /** The file itself, links resolved before it was read: what a quiet promise names (the front door compares files, not names). */
  real: string;
  dir: string;
  defaults: Table;
  programs: ConfigProgram[];
  lines: SourceLines;
  /** Problems of the file as a whole and of its tables' shape (not of option values). */
  problems: ConfigProblem[];
}

/** Program names become file names (NAME.pid, NAME.state.json) and arguments: letters, digits, `_` and `-`. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** `FILE:LINE: key "x" in [programs.NAME]: text`, the form of every problem. */
export function problemText(file: string, problem: ConfigProblem): string {
  const where = problem.line === null ? file : `${file}:${problem.line}`;
  const what =
    problem.key !== null ? `key ${JSON.stringify(problem.key)}${problem.table ? ` in [${problem.table}]` : ''}: ` : problem.table ? `[${problem.table}]: ` : '';
  return `${where}: ${what}${problem.text}`;
}

const isTable = (value: unknown): value is Table => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** The line of a key in a table, else of the table itself. */
export function lineOf(lines: SourceLines, table: string, key?: string): number | null {
  return (key !== undefined ? lines.keys.get(`${table}\0${key}`) : undefined) ?? lines.tables.get(table) ?? null;
}

/** The largest config file read: far beyond any table of programs, well short of a mistake such as a log. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Root runs the commands a config file names, as root or as any --user: like cron and sudo,
 * it reads only a file that root owns and that no one else can write.
 */
function refuseUnsafeForRoot(file: string, stat: { uid: number; mode: number }): void {
  if (process.geteuid?.() !== 0) return;
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
  if (stat.uid !== 0) {
    const name = userName(stat.uid);
    throw new UsageError(
      `the config file ${file} belongs to uid ${stat.uid}${name ? ` (${name})` : ''}, and root runs the commands it names: ` +
        `make it root's and closed to others (chown root ${quoteArgv([file])} && chmod go-w ${quoteArgv([file])}), or run it from that user's crontab`,
    );
  }
  if ((stat.mode & 0o022) !== 0) {
    throw new UsageError(
      `the config file ${file} is writable by group or others (mode ${mode}), and root runs the commands it names: chmod go-w ${quoteArgv([file])}`,
    );
  }
}

/** Reads and parses the file; a file that cannot be read is a UsageError (exit 2), a malformed one a problem. */
export function loadConfig(path: string, cwd: string): ConfigFile {
  const file = resolve(cwd, path);
  let read: ReturnType<typeof readNamedFile>;
  let real = file;
  try {
    real = realpathSync(file);
  } catch {
    // said by the read
  }
  try {
    read = readNamedFile(file, MAX_CONFIG_BYTES, 'config file');
  } catch (error) {
    read = { kind: 'bad', reason: (error as Error).message };
  }
  if (read.kind !== 'ok') {
    throw new UsageError(
      `cannot read the config file ${file} (${read.kind === 'missing' ? 'ENOENT' : read.reason}); ` +
        `give the path of a TOML file, as in: ensure-running --config programs.toml`,
    );
  }
  refuseUnsafeForRoot(file, read);
  const source = read.text;
  const lines = scanLines(source);
  const loaded: ConfigFile = { file, real, dir: dirname(file), defaults: {}, programs: [], lines, problems: [] };
  for (const twice of lines.duplicates) {
    const name = twice.table.startsWith('programs.') ? `program ${JSON.stringify(twice.table.slice('programs.'.length))}` : `table [${twice.table}]`;
    loaded.problems.push({
      line: twice.line,
      table: null,
      key: null,
      text: `${name} is defined twice (first on line ${twice.first}); give each program one table`,
    });
  }
  let data: Table;
  try {
    data = parse(source);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // A table written twice is already reported above, each time it occurs.
    if (!(loaded.problems.length > 0 && /already|overrid|redefin|duplicate/i.test(error.message))) {
      loaded.problems.push({ line: error.line, table: null, key: null, text: `not valid TOML: ${error.message.split('\n')[0]}` });
    }
    return loaded;
  }
  for (const [key, value] of Object.entries(data)) {
    if (key === 'defaults' && isTable(value)) loaded.defaults = value;
    else if (key === 'programs' && isTable(value)) continue;
    else {
      const text =
        key === 'defaults' || key === 'programs' ? `must be a table: [${key}]` : 'unknown: the file holds a [defaults] table and [programs.NAME] tables';
      loaded.problems.push({ line: lineOf(lines, '', key) ?? lineOf(lines, key), table: null, key, text });
    }
  }
  const programs = isTable(data.programs) ? data.programs : {};
  for (const [name, table] of Object.entries(programs)) {
    const where = `programs.${name}`;
    const line = lineOf(lines, where) ?? lineOf(lines, 'programs', name) ?? 0;
    if (!NAME_PATTERN.test(name)) {
      loaded.problems.push({
        line,
        table: null,
        key: null,
        text: `program name ${JSON.stringify(name)} is not allowed: use letters, digits, _ and - (at most 64), starting with a letter or digit`,
      });
    } else if (!isTable(table)) {
      loaded.problems.push({ line, table: null, key: `programs.${name}`, text: `must be a table: [programs.${name}]` });
    } else loaded.programs.push({ name, table, line });
  }
  if (loaded.problems.length === 0 && loaded.programs.length === 0) {
    loaded.problems.push({ line: null, table: null, key: null, text: 'no programs: add a [programs.NAME] table with a command, as in examples/programs.toml' });
  }
  return loaded;
}

/** The base name that names a file's own directory of records and its promise: `apps.toml` → `apps`. */
export function configBase(file: string): string {
  return basename(file).replace(/\.toml$/, '') || 'config';
}
