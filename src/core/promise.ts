// The quiet promise (docs/quiet-promise.md): what a full check that decided "nothing to do"
// leaves for the next calls of the same command line, its plain-text form (a shell reads it
// line by line with `read -r`), and the pure tests a verifier applies to what it sees.

/** The format version, the first line's last word. */
export const PROMISE_VERSION = 1;
/** A promise never lasts longer than this, so that the full check still runs regularly. */
export const PROMISE_HORIZON_MS = 10 * 60_000;
/** A promise shorter than this is not worth a file. */
export const PROMISE_MIN_MS = 2_000;
const HEADER = `ensure-running promise ${PROMISE_VERSION}`;

/** Times are boot-relative centiseconds, as /proc/uptime counts them: no wall clock involved. */
export interface QuietPromise {
  /** The caller's directory and TZ (null: unset): relative paths and local times depend on them. */
  cwd: string;
  tz: string | null;
  /** The exact arguments of the call this promise answers. */
  argv: string[];
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
  /** With --heartbeat: from `fromCs` on, the file must be newer than the mark, and the mark younger than `withinCs`. */
  heartbeat: { file: string; fromCs: number; withinCs: number } | null;
}

const lineSafe = (text: string) => !text.includes('\n') && !text.includes('\0');

/** The file's text, or null when a field cannot be written as one line (then there is no promise). */
export function promiseText(p: QuietPromise): string | null {
  const paths = [p.cwd, p.pidFile, p.stateFile, p.lockDir, p.markFile, ...(p.heartbeat ? [p.heartbeat.file] : [])];
  if (![...p.argv, ...paths, p.tz ?? '', p.bootId, p.startTime].every(lineSafe)) return null;
  if (!paths.every((path) => path.startsWith('/'))) return null;
  const lines = [HEADER, `cwd ${p.cwd}`, `tz ${p.tz === null ? '-' : `=${p.tz}`}`, `argc ${p.argv.length}`, ...p.argv.map((arg) => `arg ${arg}`)];
  lines.push(`pid ${p.pid}`, `start ${p.startTime}`, `boot ${p.bootId}`, `until ${p.untilCs}`);
  lines.push(`pidfile ${p.pidFile}`, `state ${p.stateFile}`, `lock ${p.lockDir}`, `mark ${p.markFile}`);
  if (p.heartbeat) lines.push(`heartbeat ${p.heartbeat.file}`, `beat-from ${p.heartbeat.fromCs}`, `beat-within ${p.heartbeat.withinCs}`);
  else lines.push('heartbeat -');
  lines.push('end');
  return `${lines.join('\n')}\n`;
}

const DIGITS = /^[1-9][0-9]{0,14}$/;

/** Reads the file's text back; anything off (a truncated file, a stray line) is null. */
export function parsePromise(text: string): QuietPromise | null {
  if (!text.endsWith('\nend\n')) return null;
  const lines = text.slice(0, -1).split('\n');
  let at = 0;
  const field = (key: string): string | null => {
    const line = lines[at++];
    return line?.startsWith(`${key} `) ? line.slice(key.length + 1) : null;
  };
  const number = (key: string): number | null => {
    const value = field(key);
    return value !== null && DIGITS.test(value) ? Number(value) : null;
  };
  if (lines[at++] !== HEADER) return null;
  const cwd = field('cwd');
  const tz = field('tz');
  const argc = number('argc');
  if (cwd === null || tz === null || (tz !== '-' && !tz.startsWith('=')) || argc === null) return null;
  const argv: string[] = [];
  for (let i = 0; i < argc; i++) {
    const arg = field('arg');
    if (arg === null) return null;
    argv.push(arg);
  }
  const pid = number('pid');
  const startTime = field('start');
  const bootId = field('boot');
  const untilCs = number('until');
  const [pidFile, stateFile, lockDir, markFile, beat] = [field('pidfile'), field('state'), field('lock'), field('mark'), field('heartbeat')];
  if (pid === null || startTime === null || !/^[0-9]+$/.test(startTime) || !bootId || untilCs === null) return null;
  if (pidFile === null || stateFile === null || lockDir === null || markFile === null || beat === null) return null;
  let heartbeat: QuietPromise['heartbeat'] = null;
  if (beat !== '-') {
    const fromCs = number('beat-from');
    const withinCs = number('beat-within');
    if (fromCs === null || withinCs === null) return null;
    heartbeat = { file: beat, fromCs, withinCs };
  }
  if (lines[at++] !== 'end' || at !== lines.length) return null;
  return { cwd, tz: tz === '-' ? null : tz.slice(1), argv, pid, startTime, bootId, untilCs, pidFile, stateFile, lockDir, markFile, heartbeat };
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
export function answersCall(p: QuietPromise, call: Caller): boolean {
  return p.cwd === call.cwd && p.tz === call.tz && p.argv.length === call.argv.length && p.argv.every((arg, i) => arg === call.argv[i]);
}

/**
 * The recorded process is the one alive now: one line of /proc/PID/stat, read after the LAST
 * ") " (the command name may hold anything), state not Z or X, start time (field 22) equal.
 */
export function sameLiveProcess(p: QuietPromise, statText: string, bootId: string): boolean {
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
export function heartbeatFresh(p: QuietPromise, nowCs: number, markCs: number | null, newerThanMark: boolean): boolean {
  if (!p.heartbeat || nowCs < p.heartbeat.fromCs) return true;
  return markCs !== null && markCs <= nowCs && newerThanMark && nowCs - markCs + 2 < p.heartbeat.withinCs;
}
