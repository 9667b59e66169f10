// The differential test of the shell front door (test/e2e/promise-differential*.test.ts), shared
// by two files so that each half has its own time budget. The front door never says "quiet" wrongly: for many situations (each a real program,
// real records and a real promise, then one change), whenever the front door exits 0 without
// running node, the full check on the same situation (fast path off) does nothing: exit 0, no
// output, no launch, no signal, the same records. Run under dash and under BusyBox sh; the
// JS verifier of the node path must answer as dash does.
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { BIN, Sandbox, fixture, isAlive, readOr, runProcess, startPlain, waitUntil, type RunResult } from './helpers.ts';
import { cleanupMarked, pidsWithArg, startTimeOf, uniqueMarker } from './proc.ts';
import { keepsPromise } from '../src/commands/quick.ts';

type Expect = 'quiet' | 'node' | 'either';

interface Situation {
  box: Sandbox;
  pid: number;
  args: string[];
  launchedAt: number;
}

interface Case {
  name: string;
  /** Options added to the guarded call. */
  options?: string[];
  /** Changes the world before the full check that would leave a promise. */
  prepare?: (s: Situation) => void;
  /** Changes the world after the quiet full check that left the promise. */
  change?: (s: Situation) => void | Promise<void>;
  /** The call made after the change (default: the same one). */
  call?: (args: string[]) => string[];
  env?: (s: Situation) => NodeJS.ProcessEnv;
  cwd?: (s: Situation) => string;
  expect: Expect;
  /** The situation may give no promise in the first place. */
  noPromise?: true;
  /**
   * A documented limit (docs/quiet-promise.md, "Known limits"): the shell cannot see this
   * change, and the full check, which can, refuses to act with this message (exit 2),
   * leaving the records and processes as they were.
   */
  refused?: RegExp;
}

const past = (path: string, seconds: number) => utimesSync(path, (Date.now() - seconds * 1000) / 1000, (Date.now() - seconds * 1000) / 1000);
const future = (path: string, seconds: number) => utimesSync(path, (Date.now() + seconds * 1000) / 1000, (Date.now() + seconds * 1000) / 1000);
/** Edits the promise in place, keeping its times: only the edited field differs. */
const editPromise = (s: Situation, edit: (text: string) => string) => {
  const file = s.box.path('app.promise');
  const { atime, mtime } = statSync(file);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  utimesSync(file, atime, mtime);
};
const uptimeCs = () => Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]!.replace('.', ''));
const beat = ['--heartbeat', 'hb', '--heartbeat-timeout', '60s', '--heartbeat-grace', '1s'];
const afterGrace = async (s: Situation) => waitUntil(() => Date.now() - s.launchedAt > 1500, 'the heartbeat grace to pass');

export const CASES: Case[] = [
  { name: 'nothing changed', expect: 'quiet' },
  { name: 'dead target', change: (s) => killAndWait(s.pid), expect: 'node' },
  { name: 'stopped target (SIGSTOP is still alive)', change: (s) => void process.kill(s.pid, 'SIGSTOP'), expect: 'quiet' },
  { name: 'changed command argument', call: (a) => [...a.slice(0, -1), `${a.at(-1)}-other`], expect: 'node' },
  { name: 'extra option', call: (a) => ['--max-retries', '3', ...a], expect: 'node' },
  { name: 'removed option', call: (a) => a.filter((x, i) => x !== '--start-secs' && a[i - 1] !== '--start-secs'), expect: 'node' },
  { name: 'same options in another order', call: (a) => [...a.slice(2, 4), ...a.slice(0, 2), ...a.slice(4)], expect: 'node' },
  { name: '--pid=FILE spelling', call: (a) => ['--pid=app.pid', ...a.slice(2)], expect: 'node' },
  { name: 'another directory', cwd: (s) => mkdirOnce(s.box.path('sub')), expect: 'node' },
  // The shell's $PWD names the link; the check recorded the physical directory: the same one.
  {
    name: 'the same directory through a symbolic link ($PWD the link)',
    cwd: (s) => linkOnce(s.box.dir, s.box.path('here')),
    env: (s) => s.box.env({ PWD: s.box.path('here') }),
    expect: 'quiet',
  },
  { name: 'TZ set', env: (s) => s.box.env({ TZ: 'UTC' }), expect: 'node' },
  { name: 'ENSURE_RUNNING_NO_FAST_PATH=1', env: (s) => s.box.env({ ENSURE_RUNNING_NO_FAST_PATH: '1' }), expect: 'node' },
  { name: 'expired promise', change: (s) => editPromise(s, (t) => t.replace(/^until \d+$/m, `until ${uptimeCs()}`)), expect: 'node' },
  { name: 'corrupt promise', change: (s) => writeFileSync(s.box.path('app.promise'), '{"not":"a promise"}\n'), expect: 'node' },
  { name: 'truncated promise', change: (s) => editPromise(s, (t) => t.slice(0, t.indexOf('\nmark ') + 1)), expect: 'node' },
  { name: 'promise missing its end line', change: (s) => editPromise(s, (t) => t.replace(/end\n$/, '')), expect: 'node' },
  { name: 'promise with a line too many', change: (s) => editPromise(s, (t) => `${t}end\n`), expect: 'node' },
  { name: 'promise of another version', change: (s) => editPromise(s, (t) => t.replace('promise 2\n', 'promise 3\n')), expect: 'node' },
  {
    name: 'promise naming another start time',
    change: (s) => editPromise(s, (t) => t.replace(/^start (\d+)$/m, (_, n) => `start ${Number(n) + 1}`)),
    expect: 'node',
  },
  {
    name: 'promise naming another boot',
    change: (s) => editPromise(s, (t) => t.replace(/^boot .*$/m, 'boot 00000000-0000-0000-0000-000000000000')),
    expect: 'node',
  },
  { name: 'foreign-owned promise', change: (s) => chownSync(s.box.path('app.promise'), 65534, 65534), expect: 'node' },
  { name: 'symlinked promise', change: (s) => relink(s.box.path('app.promise')), expect: 'node' },
  { name: 'deleted promise', change: (s) => rmSync(s.box.path('app.promise')), expect: 'node' },
  { name: 'deleted state file', change: (s) => rmSync(s.box.path('app.state.json')), expect: 'node' },
  { name: 'state file edited (held)', change: (s) => editState(s, (j) => ({ ...j, held: true })), expect: 'node' },
  { name: 'state file rewritten unchanged', change: (s) => editState(s, (j) => j), expect: 'node' },
  { name: 'symlinked state file', change: (s) => relink(s.box.path('app.state.json')), expect: 'node' },
  { name: 'foreign-owned state file', change: (s) => chownSync(s.box.path('app.state.json'), 65534, 65534), expect: 'node' },
  { name: 'deleted PID file', change: (s) => rmSync(s.box.path('app.pid')), expect: 'node' },
  { name: 'PID file naming another process', change: (s) => writeFileSync(s.box.path('app.pid'), `${startPlain(s.box, 'sleep', ['600'])}\n`), expect: 'node' },
  { name: 'PID file with a second line', change: (s) => writeFileSync(s.box.path('app.pid'), `${s.pid}\n\n`), expect: 'node' },
  { name: 'PID file without its newline', change: (s) => writeFileSync(s.box.path('app.pid'), `${s.pid}`), expect: 'node' },
  // Any write to the PID file after the promise means the full check: a shell's read cannot see every byte (NUL).
  { name: 'PID file rewritten the same', change: (s) => writeFileSync(s.box.path('app.pid'), `${s.pid}\n`), expect: 'node' },
  { name: 'PID file with a NUL byte after its line', change: (s) => writeFileSync(s.box.path('app.pid'), `${s.pid}\n\0`), expect: 'node' },
  { name: 'PID file with a NUL byte in its line', change: (s) => writeFileSync(s.box.path('app.pid'), `${s.pid}\0\n`), expect: 'node' },
  { name: 'symlinked PID file', change: (s) => relink(s.box.path('app.pid')), expect: 'node' },
  { name: 'a check holds the lock', change: (s) => mkdirSync(s.box.path('app.pid.lock')), expect: 'node' },
  { name: 'a stale lock left by a killed check', change: (s) => (mkdirSync(s.box.path('app.pid.lock')), past(s.box.path('app.pid.lock'), 60)), expect: 'node' },
  { name: 'deleted mark', change: (s) => rmSync(s.box.path('app.checked')), expect: 'node' },
  { name: 'symlinked mark', change: (s) => relink(s.box.path('app.checked')), expect: 'node' },
  { name: 'foreign-owned mark', change: (s) => chownSync(s.box.path('app.checked'), 65534, 65534), expect: 'node' },
  { name: 'heartbeat fresh', options: beat, change: async (s) => (await afterGrace(s), future(s.box.path('hb'), 2)), expect: 'quiet' },
  { name: 'heartbeat stale', options: beat, change: async (s) => (await afterGrace(s), past(s.box.path('hb'), 120)), expect: 'node' },
  { name: 'heartbeat deleted', options: beat, change: async (s) => (await afterGrace(s), rmSync(s.box.path('hb'))), expect: 'node' },
  {
    name: 'heartbeat stale, last check long ago',
    options: beat,
    change: async (s) => (
      await afterGrace(s),
      writeFileSync(s.box.path('app.checked'), `${uptimeCs() - 18_000}\n`),
      past(s.box.path('app.checked'), 180),
      past(s.box.path('hb'), 120)
    ),
    expect: 'node',
  },
  {
    name: 'heartbeat fresh, mark backdated by hand',
    options: beat,
    change: async (s) => (await afterGrace(s), past(s.box.path('app.checked'), 180), future(s.box.path('hb'), 2)),
    expect: 'node',
  },
  {
    name: 'heartbeat fresh, mark content garbled',
    options: beat,
    change: async (s) => (await afterGrace(s), writeFileSync(s.box.path('app.checked'), 'x\n'), future(s.box.path('hb'), 2)),
    expect: 'node',
  },
  {
    name: 'heartbeat within its grace',
    options: ['--heartbeat', 'hb', '--heartbeat-timeout', '60s', '--heartbeat-grace', '5m'],
    change: (s) => past(s.box.path('hb'), 120),
    expect: 'quiet',
  },
  // 'either', with or without a promise: a promise shorter than 2 s is not given, and on a slow
  // machine the full check after the launch may already have settled the run (then one is).
  {
    name: 'settling due (--min-uptime 2s)',
    options: ['--min-uptime', '2s'],
    change: (s) => waitUntil(() => Date.now() - s.launchedAt > 2500, 'the minimum uptime to pass').then(() => undefined),
    expect: 'either',
    noPromise: true,
  },
  { name: 'held by --stop', change: async (s) => void (await s.box.run(['--pid', 'app.pid', '--stop', '--kill-after', '2s'])), expect: 'node' },
  { name: '--health-url gives no promise', options: ['--health-url', 'http://127.0.0.1:9/'], expect: 'node', noPromise: true },
  { name: '--log-max-size gives no promise', options: ['--log-max-size', '1M'], expect: 'node', noPromise: true },
  { name: 'directory open to others gives no promise', prepare: (s) => chmodSync(s.box.dir, 0o777), expect: 'node', noPromise: true },
  // Root's full check refuses to write there (src/cli/recorded.ts); a user's gives no promise.
  {
    name: 'directory opened to others after the promise',
    change: (s) => chmodSync(s.box.dir, 0o777),
    expect: 'either',
    ...(process.getuid?.() === 0 ? { refused: /is writable by group or others \(mode 0777\)/ } : {}),
  },
];

function linkOnce(target: string, link: string): string {
  if (!existsSync(link)) symlinkSync(target, link);
  return link;
}

function mkdirOnce(dir: string): string {
  if (!existsSync(dir)) mkdirSync(dir);
  return dir;
}

/** Replaces a file by a symbolic link to a copy of it. */
function relink(path: string): void {
  renameSync(path, `${path}.real`);
  symlinkSync(`${path}.real`, path);
}

function editState(s: Situation, edit: (json: Record<string, unknown>) => Record<string, unknown>): void {
  const file = s.box.path('app.state.json');
  writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(file, 'utf8')))));
}

async function killAndWait(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), `pid ${pid} to die`);
}

/** What the full check must leave as it was: the records (bar the times of checks) and the processes. */
function snapshot(box: Sandbox, marker: string) {
  const state = readOr(box.path('app.state.json'));
  let records: unknown = state;
  try {
    const { lastCheckMs: _c, lastSeenAliveMs: _s, ...rest } = JSON.parse(state) as Record<string, unknown>;
    records = rest;
  } catch {
    // not JSON: compared as text
  }
  const pids = pidsWithArg(marker);
  return { records, pidFile: readOr(box.path('app.pid')), pids, starts: pids.map(startTimeOf) };
}

const SHELLS: [string, string[]][] = [
  ['dash', ['dash']],
  ['BusyBox sh', ['busybox', 'sh']],
];

interface Outcome {
  name: string;
  /** The shells whose front door exited 0 without running node. */
  quietIn: string[];
  problems: string[];
}

async function runCase(c: Case): Promise<Outcome> {
  const box = new Sandbox();
  const marker = uniqueMarker('diff');
  const out: Outcome = { name: c.name, quietIn: [], problems: [] };
  let pid = 0;
  try {
    const recorder = box.path('node-recorder');
    const record = box.path('node-ran');
    writeFileSync(recorder, `#!/bin/sh\necho "$@" >> '${record}'\n`, { mode: 0o755 });
    writeFileSync(box.path('hb'), '');
    const args = ['--pid', 'app.pid', '--start-secs', '0', ...(c.options ?? []), '--', fixture('forever.js'), marker];
    const slow = box.env({ ENSURE_RUNNING_NO_FAST_PATH: '1' });
    const launched = await box.run(args, { env: slow });
    assert.equal(launched.code, 0, `${c.name}: launch: ${launched.stderr}`);
    const s: Situation = { box, pid: box.pidOf(), args, launchedAt: Date.now() };
    pid = s.pid;
    writeFileSync(box.path('hb'), '');
    c.prepare?.(s);
    const quiet = await box.run(args, { env: slow });
    if (!c.noPromise) {
      assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], `${c.name}: the full check after the launch is quiet`);
      assert.ok(existsSync(box.path('app.promise')) && existsSync(box.path('app.checked')), `${c.name}: the quiet full check left a promise and a mark`);
    }
    await c.change?.(s);

    const call = c.call ? c.call(args) : args;
    const cwd = c.cwd ? c.cwd(s) : box.dir;
    const env: NodeJS.ProcessEnv = { ...(c.env ? c.env(s) : box.env()), ENSURE_RUNNING_NODE: recorder };
    const before = snapshot(box, marker);
    // Each shell meets the same situation: the mark one front door rewrote is put back as it was.
    const mark = box.path('app.checked');
    const kept = existsSync(mark) && !lstatSync(mark).isSymbolicLink() ? { text: readFileSync(mark), stat: statSync(mark) } : null;
    for (const [label, shell] of SHELLS) {
      rmSync(record, { force: true });
      if (kept) {
        writeFileSync(mark, kept.text);
        utimesSync(mark, kept.stat.atime, kept.stat.mtime);
      }
      const door: RunResult = await runProcess(shell[0]!, [...shell.slice(1), BIN, ...call], { cwd, env });
      const saidQuiet = !existsSync(record);
      if (door.code !== 0 || door.stdout !== '' || door.stderr !== '') out.problems.push(`${label}: the front door said ${JSON.stringify(door)}`);
      else if (saidQuiet && c.expect === 'node') out.problems.push(`${label}: the front door said quiet where the full check is needed`);
      else if (!saidQuiet && c.expect === 'quiet') out.problems.push(`${label}: expected the promise to hold, but node ran`);
      if (saidQuiet) out.quietIn.push(label);
    }
    // The JS verifier (node on the bundle) reads the same promise; it must agree with dash.
    if (kept) {
      writeFileSync(mark, kept.text);
      utimesSync(mark, kept.stat.atime, kept.stat.mtime);
    }
    const jsQuiet = keepsPromise({ argv: call, cwd: realpathSync(cwd), tz: env.TZ ?? null }, env);
    if (jsQuiet !== out.quietIn.includes('dash')) out.problems.push(`the JS verifier said ${jsQuiet ? 'quiet' : 'node'}, dash did not`);
    if (out.quietIn.length === 0) return out;
    // A front door said quiet: the full check on the same situation must do nothing.
    const full = await runProcess(BIN, call, { cwd, env: { ...env, ENSURE_RUNNING_NODE: '', ENSURE_RUNNING_NO_FAST_PATH: '1' } });
    const after = snapshot(box, marker);
    const refused = c.refused && full.code === 2 && full.stdout === '' && c.refused.test(full.stderr);
    if (!refused && (full.code !== 0 || full.stdout !== '' || full.stderr !== '')) out.problems.push(`the full check did something: ${JSON.stringify(full)}`);
    try {
      assert.deepEqual(after, before);
    } catch (error) {
      out.problems.push(`the full check changed the records or processes: ${(error as Error).message}`);
    }
    return out;
  } finally {
    for (const found of pidsWithArg(marker)) box.track(found);
    try {
      if (pid) process.kill(pid, 'SIGCONT');
    } catch {
      // gone
    }
    cleanupMarked(box, marker)();
  }
}

/** Runs some of the cases, four at a time, and asserts that none found a problem. */
export async function checkCases(cases: Case[]): Promise<Outcome[]> {
  const results: Outcome[] = [];
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) results.push(await runCase(c));
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const problems = results.flatMap((r) => r.problems.map((p) => `${r.name}: ${p}`));
  assert.deepEqual(problems, []);
  return results;
}

/** The shells the front door runs under. */
export const SHELL_LABELS = SHELLS.map(([label]) => label);

// The promise of a `--config FILE` call: one file for the call, the config file's identity,
// then one block per program. The same harness with two programs (a, b) of one file whose
// records go to run/; each case changes one thing after the quiet full check.

interface ConfigSituation {
  box: Sandbox;
  pids: Record<'a' | 'b', number>;
  promise: string;
}

interface ConfigCase {
  name: string;
  change?: (s: ConfigSituation) => void | Promise<void>;
  call?: (args: string[]) => string[];
  env?: (s: ConfigSituation) => NodeJS.ProcessEnv;
  cwd?: (s: ConfigSituation) => string;
  expect: Expect;
  noPromise?: true;
}

const editConfigPromise = (s: ConfigSituation, edit: (text: string) => string) => {
  const { atime, mtime } = statSync(s.promise);
  writeFileSync(s.promise, edit(readFileSync(s.promise, 'utf8')));
  utimesSync(s.promise, atime, mtime);
};
/** The second block's `until`, set to now: that program's part of the promise has expired. */
const expireSecond = (text: string) => {
  let seen = 0;
  return text.replace(/^until \d+$/gm, (line) => (++seen === 2 ? `until ${uptimeCs()}` : line));
};

export const CONFIG_CASES: ConfigCase[] = [
  { name: 'config: nothing changed', expect: 'quiet' },
  { name: 'config: first program dead', change: (s) => killAndWait(s.pids.a), expect: 'node' },
  { name: 'config: second program dead', change: (s) => killAndWait(s.pids.b), expect: 'node' },
  {
    name: 'config: file edited',
    change: (s) => writeFileSync(s.box.path('apps.toml'), `${readFileSync(s.box.path('apps.toml'), 'utf8')}# edited\n`),
    expect: 'node',
  },
  { name: 'config: file rewritten unchanged', change: (s) => writeFileSync(s.box.path('apps.toml'), readFileSync(s.box.path('apps.toml'))), expect: 'node' },
  { name: 'config: file deleted', change: (s) => rmSync(s.box.path('apps.toml')), expect: 'node' },
  { name: 'config: file replaced by a link to a copy', change: (s) => relink(s.box.path('apps.toml')), expect: 'node' },
  {
    name: 'config: second state file rewritten',
    change: (s) => writeFileSync(s.box.path('run', 'b.state.json'), readFileSync(s.box.path('run', 'b.state.json'))),
    expect: 'node',
  },
  {
    name: 'config: second PID file naming another process',
    change: (s) => writeFileSync(s.box.path('run', 'b.pid'), `${startPlain(s.box, 'sleep', ['600'])}\n`),
    expect: 'node',
  },
  { name: 'config: a check holds the second lock', change: (s) => mkdirSync(s.box.path('run', 'b.pid.lock')), expect: 'node' },
  { name: 'config: second mark deleted', change: (s) => rmSync(s.box.path('run', 'b.checked')), expect: 'node' },
  { name: 'config: second block expired', change: (s) => editConfigPromise(s, expireSecond), expect: 'node' },
  {
    name: 'config: promise truncated in the second block',
    change: (s) => editConfigPromise(s, (t) => t.slice(0, t.lastIndexOf('\nmark ') + 1)),
    expect: 'node',
  },
  {
    name: 'config: promise of another version',
    change: (s) => editConfigPromise(s, (t) => t.replace('config-promise 2\n', 'config-promise 3\n')),
    expect: 'node',
  },
  { name: 'config: foreign-owned promise', change: (s) => chownSync(s.promise, 65534, 65534), expect: 'node' },
  { name: 'config: --config=FILE spelling', call: () => ['--config=apps.toml'], expect: 'node' },
  { name: 'config: the same file by another path', call: () => ['--config', './apps.toml'], expect: 'node' },
  { name: 'config: another directory', cwd: (s) => mkdirOnce(s.box.path('sub')), call: () => ['--config', '../apps.toml'], expect: 'node' },
  { name: 'config: TZ set', env: (s) => s.box.env({ TZ: 'UTC' }), expect: 'node' },
  { name: 'config: another registry', env: (s) => s.box.env({ ENSURE_RUNNING_HOME: s.box.path('elsewhere') }), expect: 'node' },
  { name: 'config: second program held by name', change: async (s) => void (await s.box.run(['--config', 'apps.toml', '--stop', 'b'])), expect: 'node' },
];

/** What the full check of the file must leave as it was: both programs' records and the processes. */
function configSnapshot(box: Sandbox, marker: string) {
  const records = (name: string) => {
    const text = readOr(box.path('run', `${name}.state.json`));
    try {
      const { lastCheckMs: _c, lastSeenAliveMs: _s, ...rest } = JSON.parse(text) as Record<string, unknown>;
      return rest;
    } catch {
      return text;
    }
  };
  const pids = pidsWithArg(marker);
  return {
    a: records('a'),
    b: records('b'),
    pidFiles: [readOr(box.path('run', 'a.pid')), readOr(box.path('run', 'b.pid'))],
    pids,
    starts: pids.map(startTimeOf),
  };
}

async function runConfigCase(c: ConfigCase): Promise<Outcome> {
  const box = new Sandbox();
  const marker = uniqueMarker('diff-config');
  const out: Outcome = { name: c.name, quietIn: [], problems: [] };
  const pids: number[] = [];
  try {
    const recorder = box.path('node-recorder');
    const record = box.path('node-ran');
    writeFileSync(recorder, `#!/bin/sh\necho "$@" >> '${record}'\n`, { mode: 0o755 });
    const table = (name: string) => `[programs.${name}]\ncommand = ${JSON.stringify([fixture('forever.js'), marker, name])}\n`;
    writeFileSync(box.path('apps.toml'), `[defaults]\nstate-dir = "run"\nstart-secs = 0\n\n${table('a')}\n${table('b')}`);
    past(box.path('apps.toml'), 5);
    const args = ['--config', 'apps.toml'];
    const slow = box.env({ ENSURE_RUNNING_NO_FAST_PATH: '1' });
    const launched = await box.run(args, { env: slow });
    assert.equal(launched.code, 0, `${c.name}: launch: ${launched.stderr}`);
    const s: ConfigSituation = {
      box,
      pids: { a: box.pidOf('run/a.pid'), b: box.pidOf('run/b.pid') },
      promise: box.path('registry', 'configs', 'apps.promise'),
    };
    pids.push(s.pids.a, s.pids.b);
    const quiet = await box.run(args, { env: slow });
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], `${c.name}: the full check after the launch is quiet`);
    assert.ok(existsSync(s.promise), `${c.name}: the quiet full check left the file's promise`);
    await c.change?.(s);

    const call = c.call ? c.call(args) : args;
    const cwd = c.cwd ? c.cwd(s) : box.dir;
    const env: NodeJS.ProcessEnv = { ...(c.env ? c.env(s) : box.env()), ENSURE_RUNNING_NODE: recorder };
    const before = configSnapshot(box, marker);
    const marks = ['a', 'b'].map((name) => box.path('run', `${name}.checked`));
    const kept = marks.map((mark) => (existsSync(mark) && !lstatSync(mark).isSymbolicLink() ? { mark, text: readFileSync(mark), stat: statSync(mark) } : null));
    const restore = () => {
      for (const k of kept) {
        if (!k) continue;
        writeFileSync(k.mark, k.text);
        utimesSync(k.mark, k.stat.atime, k.stat.mtime);
      }
    };
    for (const [label, shell] of SHELLS) {
      rmSync(record, { force: true });
      restore();
      const door: RunResult = await runProcess(shell[0]!, [...shell.slice(1), BIN, ...call], { cwd, env });
      const saidQuiet = !existsSync(record);
      if (door.code !== 0 || door.stdout !== '' || door.stderr !== '') out.problems.push(`${label}: the front door said ${JSON.stringify(door)}`);
      else if (saidQuiet && c.expect === 'node') out.problems.push(`${label}: the front door said quiet where the full check is needed`);
      else if (!saidQuiet && c.expect === 'quiet') out.problems.push(`${label}: expected the promise to hold, but node ran`);
      if (saidQuiet) out.quietIn.push(label);
    }
    restore();
    const jsQuiet = keepsPromise({ argv: call, cwd: realpathSync(cwd), tz: env.TZ ?? null }, env);
    if (jsQuiet !== out.quietIn.includes('dash')) out.problems.push(`the JS verifier said ${jsQuiet ? 'quiet' : 'node'}, dash did not`);
    if (out.quietIn.length === 0) return out;
    const full = await runProcess(BIN, call, { cwd, env: { ...env, ENSURE_RUNNING_NODE: '', ENSURE_RUNNING_NO_FAST_PATH: '1' } });
    const after = configSnapshot(box, marker);
    if (full.code !== 0 || full.stdout !== '' || full.stderr !== '') out.problems.push(`the full check did something: ${JSON.stringify(full)}`);
    try {
      assert.deepEqual(after, before);
    } catch (error) {
      out.problems.push(`the full check changed the records or processes: ${(error as Error).message}`);
    }
    return out;
  } finally {
    for (const found of pidsWithArg(marker)) box.track(found);
    for (const pid of pids) box.track(pid);
    cleanupMarked(box, marker)();
  }
}

/** Runs the config cases, four at a time, and asserts that none found a problem. */
export async function checkConfigCases(cases: ConfigCase[] = CONFIG_CASES): Promise<Outcome[]> {
  const results: Outcome[] = [];
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) results.push(await runConfigCase(c));
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const problems = results.flatMap((r) => r.problems.map((p) => `${r.name}: ${p}`));
  assert.deepEqual(problems, []);
  return results;
}
