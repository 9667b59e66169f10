// Root's checks against a hostile local user who plants links, hard links and FIFOs where it can
// write: in a log directory of its own (the --user target) or in a sticky directory like /tmp.
// Nothing outside may be touched (a root-only file keeps its content, mode and owner), and no
// check nor notification runner may hang: every call here is bounded, and a refusal is one
// line naming the file. The files go through one door (src/os/door.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { BIN, Sandbox, fixture, isAlive, lines, readOr, runProcess, waitUntil, type RunResult } from '../helpers.ts';
import { cmdline, endRespawned, pidsWithArg, procStat, uniqueMarker } from '../proc.ts';

const root = process.getuid?.() === 0;
const skip = !root && 'needs root to plant files as another user';
const NOBODY = 65534;
/** Every call is bounded: a call still running after this is a hang (killed, then failed on). */
const CALL_BOUND_MS = 30_000;

/** A sandbox other users can reach (mkdtemp makes it 0700), with a root-only victim file in it. */
function hostileBox(): { box: Sandbox; victim: string; text: string } {
  const box = new Sandbox();
  chmodSync(box.dir, 0o755);
  const victim = box.path('victim');
  const text = `${'ROOT ONLY '.repeat(500)}\n`;
  writeFileSync(victim, text, { mode: 0o600 });
  chmodSync(victim, 0o600);
  return { box, victim, text };
}

/** The victim is as it was: content, mode and owner. */
function untouched(victim: string, text: string, what: string): void {
  const stat = statSync(victim);
  assert.equal(readFileSync(victim, 'utf8'), text, `${what}: the root-only file keeps its content`);
  assert.deepEqual([stat.mode & 0o7777, stat.uid, stat.gid], [0o600, 0, 0], `${what}: the root-only file keeps its mode and owner`);
}

/** Runs a shell command as uid 65534 (the hostile user), in the sandbox. */
async function asNobody(box: Sandbox, command: string): Promise<void> {
  const run = await runProcess('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'sh', '-c', command], {
    cwd: box.dir,
    env: { PATH: '/usr/bin:/bin' },
  });
  assert.equal(run.code, 0, `as uid ${NOBODY}: ${command}: ${run.stderr}`);
}

/** A check by root, bounded: it must end by itself. */
async function check(box: Sandbox, args: string[]): Promise<RunResult> {
  const run = await box.run(args, { timeoutMs: CALL_BOUND_MS });
  assert.equal(run.signal, null, `the check ended by itself (not killed after ${CALL_BOUND_MS} ms): ${run.stderr}`);
  return run;
}

/** A directory the hostile user owns (its home, its log directory). */
function nobodysDir(box: Sandbox, name: string): string {
  const dir = box.path(name);
  mkdirSync(dir);
  chownSync(dir, NOBODY, NOBODY);
  return dir;
}

/** A sticky directory anyone may write, like /tmp. */
function stickyDir(box: Sandbox, name: string): string {
  const dir = box.path(name);
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  return dir;
}

test('--log-max-size never follows a link the --user target put at its log: the root-only file it names is neither truncated nor copied', {
  skip,
}, async (t) => {
  const { box, victim, text } = hostileBox();
  t.after(() => box.cleanup());
  nobodysDir(box, 'lgl');
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--user', 'nobody', '--log', 'lgl/app.log', '--log-max-size', '1K', '--', fixture('forever.js')];
  const first = await check(box, args);
  assert.equal(first.code, 0, first.stderr);
  box.pidOf();
  await asNobody(box, 'ln -sf ../victim lgl/t && mv -f lgl/t lgl/app.log');
  const second = await check(box, args);
  untouched(victim, text, 'a link at the log');
  for (const name of readdirSync(box.path('lgl'))) {
    const path = box.path('lgl', name);
    if (statSync(path, { throwIfNoEntry: false })?.isFile() && !lstatSync(path).isSymbolicLink())
      assert.notEqual(readFileSync(path, 'utf8'), text, `no copy of the root-only file in lgl/${name}`);
  }
  assert.match(second.stderr, /lgl\/app\.log/, 'the refusal names the log');
  const third = await check(box, args);
  assert.doesNotMatch(third.stderr, /rotate/, 'said once');
});

test('--log-max-size: a link planted at app.log.1 between the shift and the copy is replaced, never written through', { skip }, async (t) => {
  const { box, victim, text } = hostileBox();
  t.after(() => box.cleanup());
  nobodysDir(box, 'lgl');
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--user', 'nobody', '--log', 'lgl/app.log', '--log-max-size', '1K', '--', fixture('chatter.js')];
  assert.equal((await check(box, args)).code, 0);
  box.pidOf();
  await waitUntil(() => existsSync(box.path('lgl', 'app.log')) && statSync(box.path('lgl', 'app.log')).size > 4096, 'the log to pass the limit');
  // The rotating check stops where a planter racing it (inotify) would strike; the link goes in, then it goes on.
  const rotating = spawn(BIN, args, {
    cwd: box.dir,
    env: box.env({ ENSURE_RUNNING_FAILPOINT: 'pause:rotate-before-copy' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  box.track(rotating.pid!);
  let said = '';
  rotating.stderr.on('data', (chunk) => {
    said += chunk;
  });
  const ended = new Promise<number | null>((done) => rotating.on('exit', (code) => done(code)));
  await waitUntil(() => said.includes('failpoint: paused at rotate-before-copy'), 'the check to reach the copy');
  await asNobody(box, 'ln -sf ../victim lgl/app.log.1');
  process.kill(rotating.pid!, 'SIGCONT');
  await waitUntil(async () => (await Promise.race([ended, new Promise((r) => setTimeout(() => r('running'), 100))])) !== 'running', 'the check to end');
  untouched(victim, text, 'a link at app.log.1');
  const copy = statSync(box.path('lgl', 'app.log.1'), { throwIfNoEntry: false });
  assert.ok(copy?.isFile(), 'app.log.1 is a new regular file, the link replaced');
  assert.match(readFileSync(box.path('lgl', 'app.log.1'), 'utf8'), /^line \d+/, 'the copy holds the log');
});

test('--user: a hard link to a root-only file planted as the log (fs.protected_hardlinks=0) is neither given to the user nor written', { skip }, async (t) => {
  const { box, victim, text } = hostileBox();
  const before = readFileSync('/proc/sys/fs/protected_hardlinks', 'utf8').trim();
  t.after(() => {
    writeFileSync('/proc/sys/fs/protected_hardlinks', before);
    box.cleanup();
  });
  nobodysDir(box, 'lgl');
  writeFileSync('/proc/sys/fs/protected_hardlinks', '0');
  try {
    await asNobody(box, 'ln victim lgl/app.log');
  } finally {
    writeFileSync('/proc/sys/fs/protected_hardlinks', before);
  }
  assert.equal(statSync(victim).nlink, 2, 'the hard link is planted');
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--user', 'nobody', '--log', 'lgl/app.log', '--', fixture('forever.js')];
  const first = await check(box, args);
  if (existsSync(box.path('app.pid'))) box.pidOf();
  untouched(victim, text, 'a hard link as the log');
  assert.equal(first.code, 2, `refused: ${first.stderr}`);
  assert.match(first.stderr, /lgl\/app\.log/, 'the refusal names the log');
  assert.equal(lines(first.stderr).length, 1, 'in one line');
});

test("a hard link to a root-only file planted as root's own log in a sticky directory (fs.protected_hardlinks=0) is never written", { skip }, async (t) => {
  const { box, victim, text } = hostileBox();
  const before = readFileSync('/proc/sys/fs/protected_hardlinks', 'utf8').trim();
  t.after(() => {
    writeFileSync('/proc/sys/fs/protected_hardlinks', before);
    box.cleanup();
  });
  stickyDir(box, 'stk');
  writeFileSync('/proc/sys/fs/protected_hardlinks', '0');
  try {
    await asNobody(box, 'ln victim stk/app.log');
  } finally {
    writeFileSync('/proc/sys/fs/protected_hardlinks', before);
  }
  assert.equal(statSync(victim).nlink, 2, 'the hard link is planted');
  // A program that writes at once, watched for a second: written through the link, the victim would show it.
  const args = ['--pid', 'app.pid', '--start-secs', '1', '--log', 'stk/app.log', '--', fixture('chatter.js')];
  const first = await check(box, args);
  if (existsSync(box.path('app.pid'))) box.pidOf();
  untouched(victim, text, 'a hard link as the log');
  assert.equal(first.code, 2, `refused: ${first.stderr}`);
  assert.match(first.stderr, /stk\/app\.log/, 'the refusal names the log');
  assert.match(first.stderr, /hard links/, 'and says why');
});

test('a hard link to a root-only file planted as the lock in a sticky directory (fs.protected_hardlinks=0): its name taken over once stale, the file never written', {
  skip,
}, async (t) => {
  const { box, victim, text } = hostileBox();
  const marker = uniqueMarker('lock-hardlink');
  const before = readFileSync('/proc/sys/fs/protected_hardlinks', 'utf8').trim();
  t.after(() => {
    writeFileSync('/proc/sys/fs/protected_hardlinks', before);
    for (const pid of pidsWithArg(marker)) box.track(pid);
    box.cleanup();
  });
  // Old enough to be a stale lock: the check removes the name and makes its own.
  const old = new Date(Date.now() - 60_000);
  utimesSync(victim, old, old);
  // As stored: the file system keeps the time to its own precision, which a Date's milliseconds need not be.
  const oldMs = statSync(victim).mtimeMs;
  stickyDir(box, 'stk');
  writeFileSync('/proc/sys/fs/protected_hardlinks', '0');
  try {
    await asNobody(box, 'ln victim stk/app.pid.lock');
  } finally {
    writeFileSync('/proc/sys/fs/protected_hardlinks', before);
  }
  assert.equal(statSync(victim).nlink, 2, 'the hard link is planted');
  const run = await check(box, ['--pid', 'stk/app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(run.code, 0, run.stderr);
  untouched(victim, text, 'a hard link as the lock');
  const stat = statSync(victim);
  assert.equal(stat.nlink, 1, 'only the planted name was removed');
  assert.equal(stat.mtimeMs, oldMs, "the root-only file's times are not touched");
  assert.ok(!existsSync(box.path('stk', 'app.pid.lock')), "the check's own lock is gone after it");
});

test("--user: a log in the user's own directory is created, rotated and owned with the user's ids", { skip }, async (t) => {
  const { box } = hostileBox();
  t.after(() => box.cleanup());
  nobodysDir(box, 'home');
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--user', 'nobody', '--log', 'home/app.log', '--log-max-size', '1K', '--', fixture('chatter.js')];
  const first = await check(box, args);
  assert.equal(first.code, 0, first.stderr);
  box.pidOf();
  assert.equal(statSync(box.path('home', 'app.log')).uid, NOBODY, 'the log is created by the user');
  await waitUntil(() => statSync(box.path('home', 'app.log')).size > 4096, 'the log to pass the limit');
  const second = await check(box, args);
  assert.deepEqual([second.code, second.stderr], [0, ''], 'rotated quietly');
  const copy = statSync(box.path('home', 'app.log.1'));
  assert.deepEqual([copy.uid, copy.gid], [NOBODY, NOBODY], "the rotated copy is the user's, made with its ids");
  for (const record of ['app.pid', 'app.state.json']) assert.equal(statSync(box.path(record)).uid, 0, `${record} stays root's`);
});

test('--user: a link the user puts on the way to its log (its log directory made a link to a root directory) makes root create nothing there', {
  skip,
}, async (t) => {
  const { box } = hostileBox();
  t.after(() => box.cleanup());
  nobodysDir(box, 'home');
  mkdirSync(box.path('rootdir'), { mode: 0o755 });
  await asNobody(box, 'ln -s ../rootdir home/logs');
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--user', 'nobody', '--log', 'home/logs/app.log', '--', fixture('forever.js')];
  const first = await check(box, args);
  if (existsSync(box.path('app.pid'))) box.pidOf();
  assert.ok(!existsSync(box.path('rootdir', 'app.log')), 'no file created in the root directory');
  assert.equal(first.code, 2, first.stderr);
  assert.match(first.stderr, /as nobody \(uid 65534\), the log file .*home\/logs\/app\.log \(EACCES\)/, 'the refusal names the user and the log');
  assert.equal(lines(first.stderr).length, 1, 'in one line');
});

test("--user: the log tail of a death is read with the user's ids: a hard link the user swapped in for its log shows nothing of root's file", {
  skip,
}, async (t) => {
  const { box, victim, text } = hostileBox();
  const before = readFileSync('/proc/sys/fs/protected_hardlinks', 'utf8').trim();
  t.after(() => {
    writeFileSync('/proc/sys/fs/protected_hardlinks', before);
    box.cleanup();
  });
  nobodysDir(box, 'home');
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--user', 'nobody', '--log', 'home/app.log', '--', fixture('forever.js')];
  assert.equal((await check(box, args)).code, 0);
  const pid = box.pidOf();
  writeFileSync('/proc/sys/fs/protected_hardlinks', '0');
  try {
    await asNobody(box, 'rm home/app.log && ln victim home/app.log');
  } finally {
    writeFileSync('/proc/sys/fs/protected_hardlinks', before);
  }
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the program to die');
  // The relaunch is then refused (the user cannot open that file as its log): the death is still said.
  const found = await check(box, args);
  if (existsSync(box.path('app.pid'))) box.pidOf();
  assert.match(found.stderr, /died|exited|killed/, `the death is said: ${found.stderr}`);
  assert.doesNotMatch(found.stderr, /ROOT ONLY/, "no line of root's file in the report");
  assert.doesNotMatch(readFileSync(box.path('app.state.json'), 'utf8'), /ROOT ONLY/, "no line of root's file in the state file");
  untouched(victim, text, 'a hard link swapped in for the log');
});

/** The notification runners of this sandbox still alive (found by the task in their environment). */
function runners(box: Sandbox): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'utf8');
      if (env.includes('ENSURE_RUNNING_NOTIFY_TASK=') && env.includes(box.dir) && isAlive(Number(name))) found.push(box.track(Number(name)));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

test('a FIFO planted at .app.notify-failures in a sticky directory: the next check ends at once and says so once; the runner never waits on it', {
  skip,
}, async (t) => {
  const { box } = hostileBox();
  t.after(() => box.cleanup());
  stickyDir(box, 'stk');
  const args = ['--pid', 'stk/app.pid', '--start-secs', '0', '--on-change', 'true', '--', fixture('forever.js')];
  assert.equal((await check(box, args)).code, 0);
  box.pidOf('stk/app.pid');
  await waitUntil(() => runners(box).length === 0, 'the first runner to end');
  await asNobody(box, 'mkfifo stk/.app.notify-failures');
  const second = await check(box, args);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /\.app\.notify-failures is a FIFO \(named pipe\)/, 'said');
  const third = await check(box, args);
  assert.deepEqual([third.code, third.stderr], [0, ''], 'said once');

  // The runner: its hook fails after the FIFO is planted; appending the failure must not wait for a reader.
  const failing = ['--pid', 'stk/app.pid', '--start-secs', '0', '--on-change', 'sleep 1; exit 3', '--', fixture('forever.js')];
  const pid = box.pidOf('stk/app.pid');
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the program to die');
  const relaunch = await check(box, failing);
  assert.equal(relaunch.code, 0, relaunch.stderr);
  box.pidOf('stk/app.pid');
  await waitUntil(() => runners(box).length > 0, 'a runner to start');
  await asNobody(box, 'mkfifo stk/.app.notify-failures');
  await waitUntil(() => runners(box).length === 0, 'the runner to end instead of waiting on the FIFO', 20_000);
});

test('a name planted where the failure record is taken aside (.app.notify-failures.taken) keeps no failure from being said', { skip }, async (t) => {
  const { box } = hostileBox();
  t.after(() => box.cleanup());
  stickyDir(box, 'stk');
  await asNobody(box, 'mkdir stk/.app.notify-failures.taken');
  const args = ['--pid', 'stk/app.pid', '--start-secs', '0', '--on-change', 'exit 3', '--', fixture('forever.js')];
  assert.equal((await check(box, args)).code, 0);
  box.pidOf('stk/app.pid');
  await waitUntil(() => existsSync(box.path('stk', '.app.notify-failures')), 'the hook to fail');
  const next = await check(box, args);
  assert.match(next.stderr, /--on-change for "started" exited with code 3/);
});

/** The files a check keeps or touches beside its PID file, as a hostile user may plant them before they exist. */
const BESIDE = ['app.pid', 'app.state.json', 'app.promise', 'app.checked', 'app.log', 'app.log.1', 'app.hook.log', '.app.notify-failures', 'app.beat'];

for (const kind of ['FIFO', 'symlink'] as const) {
  test(`every file beside the PID file planted as a ${kind} in a sticky directory: each check ends by itself and nothing outside is touched`, {
    skip,
  }, async (t) => {
    const { box, victim, text } = hostileBox();
    t.after(() => box.cleanup());
    const said: string[] = [];
    for (const name of BESIDE) {
      const dir = stickyDir(box, `stk-${name}`);
      const rel = `stk-${name}`;
      await asNobody(box, kind === 'FIFO' ? `mkfifo ${rel}/${name}` : `ln -s ../victim ${rel}/${name}`);
      const args = [
        '--pid',
        `${rel}/app.pid`,
        '--start-secs',
        '0',
        '--on-change',
        'exit 3',
        '--heartbeat',
        `${rel}/app.beat`,
        '--heartbeat-timeout',
        '1h',
        '--log-max-size',
        '1K',
        '--',
        fixture('chatter.js'),
      ];
      for (let call = 0; call < 3; call++) {
        const run = await check(box, args);
        said.push(...lines(run.stderr));
        const pid = Number.parseInt(readOr(`${dir}/app.pid`), 10);
        if (pid > 1) box.track(pid);
      }
      await waitUntil(() => runners(box).length === 0, `the runners to end (${name} planted)`, 20_000);
      untouched(victim, text, `${name} planted as a ${kind}`);
    }
    assert.ok(
      said.every((line) => !/internal error| {4}at /.test(line)),
      `no stack trace:\n${said.filter((line) => /internal error| {4}at /.test(line)).join('\n')}`,
    );
  });
}

for (const kind of ['FIFO', 'symlink'] as const) {
  test(`--respawn: a ${kind} planted where the waiter writes its wait status (app.exit.<waiter pid>, sticky directory) neither stops it nor is written through`, {
    skip,
  }, async (t) => {
    const { box, victim, text } = hostileBox();
    const marker = uniqueMarker(`exit-${kind}`);
    t.after(endRespawned(box, marker));
    stickyDir(box, 'stk');
    const args = ['--pid', 'stk/app.pid', '--respawn', '--start-secs', '0', '--', fixture('forever.js'), marker];
    assert.equal((await check(box, args)).code, 0);
    const pid = box.pidOf('stk/app.pid');
    const waiter = procStat(pid)!.ppid;
    assert.ok(cmdline(waiter)?.includes('ensure-running-waiter'), 'the program runs under its waiter');
    // The waiter's PID is public (ps): the hostile user plants at the name its temporary file will have.
    await asNobody(box, kind === 'FIFO' ? `mkfifo stk/app.exit.${waiter}` : `ln -s ../victim stk/app.exit.${waiter}`);
    process.kill(pid, 'SIGKILL');
    // The waiter goes on to its check at once, which relaunches: no call from cron.
    const next = await waitUntil(() => {
      const now = Number.parseInt(readOr(box.path('stk', 'app.pid')), 10);
      return Number.isInteger(now) && now !== pid && isAlive(now) ? now : null;
    }, 'the waiter to bring the program back');
    box.track(next);
    untouched(victim, text, `app.exit.${waiter} planted as a ${kind}`);
    assert.ok(!isAlive(waiter) || !cmdline(waiter)?.includes('ensure-running-waiter'), 'the old waiter is gone');
  });
}

for (const kind of ['FIFO', 'symlink'] as const) {
  test(`a ${kind} planted as the lock (app.pid.lock) in a sticky directory: refused at once in one line naming it and its owner, nothing launched`, {
    skip,
  }, async (t) => {
    const { box, victim, text } = hostileBox();
    const marker = uniqueMarker(`lock-${kind}`);
    t.after(() => {
      for (const pid of pidsWithArg(marker)) box.track(pid);
      box.cleanup();
    });
    stickyDir(box, 'stk');
    await asNobody(box, kind === 'FIFO' ? 'mkfifo stk/app.pid.lock' : 'ln -s .. stk/app.pid.lock');
    const args = ['--pid', 'stk/app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
    for (let call = 0; call < 2; call++) {
      const run = await check(box, args);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(lines(run.stderr).length, 1, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`stk/app\\.pid\\.lock \\(it is a ${kind === 'FIFO' ? 'FIFO' : 'symbolic link'}.*? of uid ${NOBODY}, not a lock\\); remove it`),
      );
    }
    assert.deepEqual(pidsWithArg(marker), [], 'nothing launched');
    assert.equal(lstatSync(box.path('stk', 'app.pid.lock')).uid, NOBODY, 'the planted name is left for its owner or root to remove');
    untouched(victim, text, `app.pid.lock planted as a ${kind}`);
  });
}
