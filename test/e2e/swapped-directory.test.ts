// A hostile local user who can rename a directory above the records swaps it, in a tight loop
// (renameat2 RENAME_EXCHANGE), with a directory of their own holding a link to a file outside
// (as the mark) and a FIFO (as the PID file), while the front door runs under dash and BusyBox
// sh. The directory rule (src/core/dir-safety.ts) means that no promise is ever given below
// such a directory, and that root refuses to keep records there at all: the file outside is
// never touched and no call hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { BIN, NODE, Sandbox, fixture, killHard, runProcess, waitUntil } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';

const root = process.getuid?.() === 0;
const skip = !root && 'needs root to act as two users';
const CALLS = 120;
const SHELLS: [string, string[]][] = [
  ['dash', ['dash']],
  ['BusyBox sh', ['busybox', 'sh']],
];

/** Exchanges two directories as fast as it can, until killed: the attacker's side of the race. */
const SWAPPER = `
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = sys.argv[1].encode(), sys.argv[2].encode()
print("swapping", flush=True)
while True:
    libc.renameat2(-100, a, -100, b, 2)
`;

/** A python3 that another user may run (not one under root's home). */
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p)) ?? 'python3';

const as = (uid: number) => ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];

interface Layout {
  box: Sandbox;
  run: string;
  victim: string;
  recorder: string;
}

/** box/sh is the attacker's; box/sh/run holds the records; box/sh/run.evil is the attacker's copy of it. */
function layout(box: Sandbox, attacker: number, caller: number): Layout {
  chmodSync(box.dir, 0o755);
  const sh = box.path('sh');
  mkdirSync(sh);
  const run = `${sh}/run`;
  mkdirSync(run, { mode: 0o755 });
  chownSync(run, caller, caller);
  const evil = `${sh}/run.evil`;
  mkdirSync(evil);
  const victim = box.path('victim');
  writeFileSync(victim, 'ROOT\n', { mode: 0o600 });
  chownSync(victim, caller, caller);
  symlinkSync(victim, `${evil}/app.checked`);
  execFileSync('mkfifo', [`${evil}/app.pid`, `${evil}/app.promise`]);
  for (const path of [sh, evil, `${evil}/app.pid`, `${evil}/app.promise`]) chownSync(path, attacker, attacker);
  const recorder = box.path('node-recorder');
  writeFileSync(recorder, '#!/bin/sh\nexit 99\n', { mode: 0o755 });
  mkdirSync(box.path('home'));
  chownSync(box.path('home'), caller, caller);
  return { box, run, victim, recorder };
}

/** Runs the front door CALLS times under each shell while the attacker swaps; returns the calls that hung. */
async function race(l: Layout, attacker: number, caller: number, args: string[]): Promise<string[]> {
  const cmd = [...as(attacker), PYTHON, '-c', SWAPPER, l.run, `${l.run}.evil`];
  const swapper = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = l.box.track(swapper.pid!);
  const hung: string[] = [];
  try {
    await new Promise<void>((ready) => swapper.stdout!.once('data', () => ready()));
    const env = { ...l.box.env({ HOME: l.box.path('home'), ENSURE_RUNNING_HOME: l.box.path('home', 'registry') }), ENSURE_RUNNING_NODE: l.recorder };
    for (const [label, shell] of SHELLS) {
      for (let i = 0; i < CALLS; i++) {
        const call = caller === 0 ? [...shell, BIN, ...args] : [...as(caller), ...shell, BIN, ...args];
        const r = await runProcess(call[0]!, call.slice(1), { cwd: '/', env, timeoutMs: 5_000 });
        if (r.signal === 'SIGKILL') hung.push(`${label} call ${i}`);
      }
    }
  } finally {
    killHard(pid);
  }
  return hung;
}

test('root: records below a directory another user owns are refused (exit 2, the directory named); the swap race touches nothing outside, hangs nothing', {
  skip,
}, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('swap-root');
  t.after(cleanupMarked(box, marker));
  const l = layout(box, 65534, 0);
  const args = ['--pid', `${l.run}/app.pid`, '--start-secs', '0', '--', NODE, fixture('forever.js'), marker];
  const env = box.env({ HOME: box.path('home'), ENSURE_RUNNING_HOME: box.path('home', 'registry') });
  const first = await box.run(args, { env });
  const second = await box.run(args, { env });
  const promised = existsSync(`${l.run}/app.promise`);

  const hung = await race(l, 65534, 0, args);
  assert.deepEqual(hung, [], 'no call hangs on a planted FIFO');
  assert.equal(readFileSync(l.victim, 'utf8'), 'ROOT\n', 'the root-only file outside is untouched');
  assert.equal(statSync(l.victim).size, 5);
  for (const r of [first, second]) {
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`${box.path('sh')} belongs to uid 65534`), r.stderr);
    assert.match(r.stderr, /only root can change, such as \/var\/lib\/ensure-running\//);
  }
  assert.equal(promised, false, 'no promise below a directory another user owns');
});

test('a user: no quiet promise below a directory another user owns; the swap race touches nothing outside, hangs nothing', { skip }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('swap-user');
  t.after(cleanupMarked(box, marker));
  const [attacker, caller] = [65533, 65534];
  const l = layout(box, attacker, caller);
  const args = ['--pid', `${l.run}/app.pid`, '--start-secs', '0', '--', NODE, fixture('forever.js'), marker];
  const env = box.env({ HOME: box.path('home'), ENSURE_RUNNING_HOME: box.path('home', 'registry') });
  const check = () => runProcess(as(caller)[0]!, [...as(caller).slice(1), BIN, ...args], { cwd: '/', env: { ...env, ENSURE_RUNNING_NO_FAST_PATH: '1' } });
  const launched = await check();
  assert.equal(launched.code, 0, launched.stderr);
  await waitUntil(() => existsSync(`${l.run}/app.state.json`), 'the launch on record');
  const quiet = await check();
  const promised = existsSync(`${l.run}/app.promise`);

  const hung = await race(l, attacker, caller, args);
  assert.deepEqual(hung, [], 'no call hangs on a planted FIFO');
  assert.equal(readFileSync(l.victim, 'utf8'), 'ROOT\n', "the user's own file outside is untouched");
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], 'a user may keep records there: a quiet check');
  assert.equal(promised, false, 'but no promise is given');
});
