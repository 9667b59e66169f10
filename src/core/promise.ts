// The quiet promise (docs/quiet-promise.md): what a full check that decided "nothing to do"
// leaves for the next calls of the same command line, its plain-text form (a shell reads it
// line by line with `read -r`), and the pure tests a verifier applies to what it sees.

/** The format version, the first line's last word. */
export const PROMISE_VERSION = 2;
/** A promise never lasts longer than this, so that the full check still runs regularly. */
export const PROMISE_HORIZON_MS = 10 * 60_000;
/** A promise shorter than this is not worth a file. */
export const PROMISE_MIN_MS = 2_000;
const HEADER = `ensure-running promise ${PROMISE_VERSION}`;

/** What one program's promise requires of the world; times are boot-relative centiseconds, as /proc/uptime counts them. */
export interface PromiseBlock {
  pid: number;
  /** Field 22 of /proc/PID/stat at launch, and the boot it was read on. */
  startTime: string;
  bootId: string;
  /** The promise holds while /proc/uptime (in centiseconds) is below this. */
  untilCs: number;
  pidFile: string;
  stateFile: string;
  lockDir: string;
  markFile: string;
  /** With --user: the password database, which must not change after the promise (a user removed stops it at once). */
  users: string | null;
  /** With --heartbeat: from `fromCs` on, the file must be newer than the mark, and the mark younger than `withinCs`. */
  heartbeat: { file: string; fromCs: number; withinCs: number } | null;
}

/** The call a promise answers: its directory and TZ (null: unset), on which relative paths and local times depend, and its exact arguments. */
export interface PromiseCall {
  cwd: string;
  tz: string | null;
  argv: string[];
}

/** One program's promise for one command line. */
export type QuietPromise = PromiseCall & PromiseBlock;

const lineSafe = (text: string) => !text.includes('\n') && !text.includes('\0');

/** The call's lines (header excluded), or null when a field cannot be one line. */
export function callLines(c: PromiseCall): string[] | null {
  if (![...c.argv, c.cwd, c.tz ?? ''].every(lineSafe) || !c.cwd.startsWith('/')) return null;
  return [`cwd ${c.cwd}`, `tz ${c.tz === null ? '-' : `=${c.tz}`}`, `argc ${c.argv.length}`, ...c.argv.map((arg) => `arg ${arg}`)];
}

/** One program's lines, or null when a field cannot be one line or a path is not absolute. */
export function blockLines(p: PromiseBlock): string[] | null {
  const paths = [p.pidFile, p.stateFile, p.lockDir, p.markFile, ...(p.users ? [p.users] : []), ...(p.heartbeat ? [p.heartbeat.file] : [])];
  if (![...paths, p.bootId, p.startTime].every(lineSafe) || !paths.every((path) => path.startsWith('/'))) return null;
  const lines = [`pid ${p.pid}`, `start ${p.startTime}`, `boot ${p.bootId}`, `until ${p.untilCs}`];
  lines.push(`pidfile ${p.pidFile}`, `state ${p.stateFile}`, `lock ${p.lockDir}`, `mark ${p.markFile}`, `users ${p.users ?? '-'}`);
  if (p.heartbeat) lines.push(`heartbeat ${p.heartbeat.file}`, `beat-from ${p.heartbeat.fromCs}`, `beat-within ${p.heartbeat.withinCs}`);
  else lines.push('heartbeat -');
  return lines;
}

/** The file's text, or null when a field cannot be written as one line (then there is no promise). */
export function promiseText(p: QuietPromise): string | null {
  const call = callLines(p);
  const block = blockLines(p);
  return call && block ? `${[HEADER, ...call, ...block, 'end'].join('\n')}\n` : null;
}

const DIGITS = /^[1-9][0-9]{0,14}$/;

/** Reads fields in order from a promise's lines; each read moves on by one line. */
export class PromiseReader {
  private at = 0;
  constructor(private readonly lines: string[]) {}
  line(): string | undefined {
    return this.lines[this.at++];
  }
  field(key: string): string | null {
    const line = this.lines[this.at++];
    return line?.startsWith(`${key} `) ? line.slice(key.length + 1) : null;
  }
  number(key: string): number | null {
    const value = this.field(key);
    return value !== null && DIGITS.test(value) ? Number(value) : null;
  }
  /** True when every line was read. */
  done(): boolean {
    return this.at === this.lines.length;
  }
}

/** The lines of a promise file's text, or null when it does not end with its `end` line. */
export function promiseLines(text: string): string[] | null {
  return text.endsWith('\nend\n') ? text.slice(0, -1).split('\n') : null;
}

/** The call's fields, after the header. */
export function readCall(r: PromiseReader): PromiseCall | null {
  const cwd = r.field('cwd');
  const tz = r.field('tz');
  const argc = r.number('argc');
  if (cwd === null || tz === null || (tz !== '-' && !tz.startsWith('=')) || argc === null) return null;
  const argv: string[] = [];
  for (let i = 0; i < argc; i++) {
    const arg = r.field('arg');
    if (arg === null) return null;
    argv.push(arg);
  }
  return { cwd, tz: tz === '-' ? null : tz.slice(1), argv };
}

/** One program's fields. */
export function readBlock(r: PromiseReader): PromiseBlock | null {
  const pid = r.number('pid');
  const startTime = r.field('start');
  const bootId = r.field('boot');
  const untilCs = r.number('until');
  const [pidFile, stateFile, lockDir, markFile, users, beat] = [
    r.field('pidfile'),
    r.field('state'),
    r.field('lock'),
    r.field('mark'),
    r.field('users'),
    r.field('heartbeat'),
  ];
  if (pid === null || startTime === null || !/^[0-9]+$/.test(startTime) || !bootId || untilCs === null) return null;
  if (pidFile === null || stateFile === null || lockDir === null || markFile === null || users === null || beat === null) return null;
  let heartbeat: PromiseBlock['heartbeat'] = null;
  if (beat !== '-') {
    const fromCs = r.number('beat-from');
    const withinCs = r.number('beat-within');
    if (fromCs === null || withinCs === null) return null;
    heartbeat = { file: beat, fromCs, withinCs };
  }
  return { pid, startTime, bootId, untilCs, pidFile, stateFile, lockDir, markFile, users: users === '-' ? null : users, heartbeat };
}

/** Reads the file's text back; anything off (a truncated file, a stray line) is null. */
export function parsePromise(text: string): QuietPromise | null {
  const lines = promiseLines(text);
  if (!lines) return null;
  const r = new PromiseReader(lines);
  if (r.line() !== HEADER) return null;
  const call = readCall(r);
  const block = call && readBlock(r);
  if (!call || !block || r.line() !== 'end' || !r.done()) return null;
  return { ...call, ...block };
}

/** /proc/uptime's first field in centiseconds ("12345.67 ..." is 1234567); null when odd. */
export function uptimeCs(text: string): number | null {
  const match = /^([1-9][0-9]{0,12})\.([0-9]{2}) /.exec(text);
  return match ? Number(match[1]! + match[2]!) : null;
}

/** What a verifier compares the promise's call with. */
export interface Caller {
  argv: string[];
  cwd: string;
  tz: string | null;
}

/** The promise answers exactly this call: same arguments, directory and TZ. */
export function answersCall(p: PromiseCall, call: Caller): boolean {
  return p.cwd === call.cwd && p.tz === call.tz && p.argv.length === call.argv.length && p.argv.every((arg, i) => arg === call.argv[i]);
}

/**
 * The recorded process is the one alive now: one line of /proc/PID/stat, read after the LAST
 * ") " (the command name may hold anything), state not Z or X, start time (field 22) equal.
 */
export function sameLiveProcess(p: PromiseBlock, statText: string, bootId: string): boolean {
  if (bootId !== p.bootId || statText.indexOf('\n') !== statText.length - 1) return false;
  const close = statText.lastIndexOf(') ');
  if (close < 0) return false;
  const fields = statText.slice(close + 2, -1).split(' ');
  const state = fields[0];
  return state !== undefined && state !== '' && state !== 'Z' && state !== 'X' && fields[19] === p.startTime;
}

/**
 * With a heartbeat, once past its grace: the beat came after the mark was written
 * (`newerThanMark`), and the mark, written at `markCs`, is young enough that the beat is
 * younger than the timeout. Two centiseconds cover the rounding of both uptimes and the
 * coarse clock of file times.
 */
export function heartbeatFresh(p: PromiseBlock, nowCs: number, markCs: number | null, newerThanMark: boolean): boolean {
  if (!p.heartbeat || nowCs < p.heartbeat.fromCs) return true;
  return markCs !== null && markCs <= nowCs && newerThanMark && nowCs - markCs + 2 < p.heartbeat.withinCs;
}
