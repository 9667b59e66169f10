// --logs: the end of a program's log (the one its last launch wrote to, from its records),
// then with --follow what is appended, across rotations, until interrupted. Several logs
// (the programs of a config file, or separate --stdout and --stderr) are merged, each line
// prefixed with its program's name, as `pm2 logs` does.

import { readStateFile } from '../os/state-file.js';
import { appended, lastLines, type LogCursor, type LogRefusal } from '../os/log-follow.js';
import { resolveRunAs } from '../os/run-as.js';
import { EXIT } from '../errors.js';
import type { World } from '../world.js';
import type { ParsedCall } from '../cli/parse.js';
import { optionValue } from '../cli/option-values.js';

/** --follow and --lines N of a --logs call. */
export function logsFlags(call: ParsedCall): { follow: boolean; lines: number } {
  return { follow: call.values.follow === true, lines: optionValue(call.values, 'lines') };
}

/** A program whose logs are read: its name, its state file (the logs of its last launch) and the logs its options name. */
export interface LogsOf {
  name: string;
  stateFile: string;
  /** The logs the call's options name, used when no launch is on record. */
  stdout: string;
  stderr: string;
}

/** How often --follow looks for appended lines. */
export const FOLLOW_EVERY_MS = 250;

interface Source {
  prefix: string;
  cursor: LogCursor;
}

/**
 * The log files of a program: those of its last launch on record, else those of its options.
 * Root trusts only records of its own (another user's could name any file), and reads only a
 * log owned by root or by the program's --user, with one link (never a hard link planted to
 * another file); other callers can only read what they may read anyway.
 */
function logFiles(program: LogsOf): { stdout: string; stderr: string; refuse?: LogRefusal } {
  const root = process.getuid?.() === 0;
  const read = readStateFile(program.stateFile, !root);
  const state = read.kind === 'ok' ? read.state : null;
  const logs = state?.logs ?? { stdout: program.stdout, stderr: program.stderr };
  if (!root) return logs;
  const user = state?.request?.options.user;
  const uids = [0];
  if (typeof user === 'string') {
    try {
      uids.push(resolveRunAs(user, 0).uid);
    } catch {
      // the user is gone: root's own logs only
    }
  }
  const refuse: LogRefusal = (stat) =>
    stat.nlink !== 1
      ? `it has ${stat.nlink} links (a hard link may point at another file)`
      : uids.includes(stat.uid)
        ? null
        : `it belongs to uid ${stat.uid}, not to root${uids.length > 1 ? ` or to the program's --user ${user}` : ''}`;
  return { ...logs, refuse };
}

/**
 * Prints the last `lines` lines of each log, then (`follow`) the lines appended to any of
 * them, until the process is interrupted. `named`: prefix each line with `NAME | ` (always
 * for a config file; for one program only when its stderr has a file of its own).
 */
export async function logsCommand(programs: LogsOf[], flags: { follow: boolean; lines: number }, world: World, named: boolean): Promise<number> {
  const sources: Source[] = [];
  for (const program of programs) {
    const { stdout, stderr, refuse } = logFiles(program);
    const split = stdout !== stderr;
    const width = Math.max(...programs.map((p) => p.name.length)) + (split ? ' (stderr)'.length : 0);
    for (const [path, stream] of split
      ? ([
          [stdout, ''],
          [stderr, ' (stderr)'],
        ] as const)
      : ([[stdout, '']] as const)) {
      const label = `${program.name}${stream}`;
      const prefix = named || split ? `${label.padEnd(width)} | ` : '';
      const { lines, refused, cursor } = lastLines(path, flags.lines, refuse);
      if (refused) world.warn(`ensure-running: ${label}: not reading ${path}: ${refused}`);
      else if (lines === null) world.warn(`ensure-running: ${label}: no log at ${path} yet${flags.follow ? '; waiting for it' : ''}`);
      else for (const line of lines) world.say(prefix + line);
      sources.push({ prefix, cursor });
    }
  }
  if (!flags.follow) return EXIT.ok;
  // Until interrupted: Ctrl-C (or SIGTERM) ends the call with exit 0.
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      for (const source of sources) {
        const { lines, rotated } = appended(source.cursor);
        if (rotated) world.warn(`ensure-running: ${source.cursor.path} was rotated; reading the new file from its top`);
        for (const line of lines) world.say(source.prefix + line);
      }
    }, FOLLOW_EVERY_MS);
    const stop = () => {
      clearInterval(timer);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT.ok;
}
