// A full disk and a read-only directory: clear errors, no torn PID file, no unrecorded instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, waitUntil, rootOnly } from '../helpers.ts';
import { pidsWithArg } from '../proc.ts';

/** Mounts a tiny tmpfs in the sandbox; unmounted at cleanup. */
function tinyDisk(box: Sandbox, sizeKiB = 64): string {
  const dir = box.path('disk');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755`, 'tmpfs', dir]);
  return dir;
}

/** Kills what the test started, unmounts the tmpfs, removes the sandbox. */
function cleanup(box: Sandbox, marker: string): void {
  for (const pid of pidsWithArg(marker)) box.track(pid);
  for (const pid of box.pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  try {
    execFileSync('umount', ['-l', box.path('disk')]);
  } catch {
    // not mounted
  }
  box.cleanup();
}

/** Fills a file system until not one more byte can be written. */
function fill(dir: string): void {
  for (const size of [4096, 1]) {
    const chunk = Buffer.alloc(size, 120);
    for (let i = 0; i < 10_000; i++) {
      try {
        writeFileSync(`${dir}/filler-${size}-${i}`, chunk);
      } catch {
        break;
      }
    }
  }
  assert.throws(() => writeFileSync(`${dir}/probe`, 'x'), /ENOSPC/, 'the disk is full');
}

test('disk full before the first launch: an error naming the file and ENOSPC, nothing launched', {
  skip: rootOnly('to mount a tmpfs'),
}, async (t) => {
  const box = new Sandbox();
  const marker = `disk-full-${process.pid}-${Date.now()}`;
  t.after(() => cleanup(box, marker));
  const disk = tinyDisk(box);
  fill(disk);
  const result = await box.run(['--pid', `${disk}/app.pid`, '--log', box.path('app.log'), '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /ENOSPC/);
  assert.match(result.stderr, new RegExp(`${disk}/app\\.(state\\.json|pid\\.lock|pid)`));
  assert.match(result.stderr, /free some space/);
  assert.equal(result.stderr.trim().split('\n').length, 1, 'one line, not a stack trace');
  assert.deepEqual(pidsWithArg(marker), [], 'no unrecorded instance');
  assert.equal(readOr(`${disk}/app.pid`), '', 'no PID file, and certainly no empty one');
  assert.deepEqual(
    readdirSync(disk).filter((n) => n.endsWith('.tmp')),
    [],
    'no temporary files left',
  );
});

test('disk fills while the program runs: healthy checks stay quiet; after a death, an error, whole records, no unrecorded instance', {
  skip: rootOnly('to mount a tmpfs'),
}, async (t) => {
  const box = new Sandbox();
  const marker = `disk-fills-${process.pid}-${Date.now()}`;
  t.after(() => cleanup(box, marker));
  const disk = tinyDisk(box);
  const args = ['--pid', `${disk}/app.pid`, '--log', box.path('app.log'), '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.track(Number(readOr(`${disk}/app.pid`)));
  // The first check after a launch is a full one; quiet, it leaves the promise that answers the next ones.
  const settled = await box.run(args);
  assert.deepEqual([settled.code, settled.stdout, settled.stderr], [0, '', '']);
  assert.ok(existsSync(`${disk}/app.promise`), 'a quiet full check leaves its promise');
  fill(disk);
  for (let i = 0; i < 3; i++) {
    const healthy = await box.run(args);
    assert.deepEqual(
      [healthy.code, healthy.stdout, healthy.stderr],
      [0, '', ''],
      'the healthy path rewrites only its mark in place, so a full disk does not matter',
    );
  }

  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the program to die');
  // The full check removes the promise first, which would free a page of the tiny disk: take it now, and fill that too.
  rmSync(`${disk}/app.promise`);
  fill(disk);
  const dead = await box.run(args);
  assert.equal(dead.code, 1, dead.stderr);
  assert.match(dead.stderr, /ENOSPC/);
  assert.deepEqual(pidsWithArg(marker), [], 'nothing launched that could not be recorded');
  assert.match(readOr(`${disk}/app.pid`), /^[1-9][0-9]*\n$/, 'the PID file is whole');
  assert.ok(!isAlive(Number(readOr(`${disk}/app.pid`))), 'and names no live process');
  const state = JSON.parse(readOr(`${disk}/app.state.json`));
  assert.ok(state.version === 1 && state.launches >= 1, 'the sidecar is whole JSON');
  assert.ok(state.identity === null || !isAlive(state.identity.pid), 'and records no live process');
  assert.deepEqual(
    readdirSync(disk).filter((n) => n.endsWith('.tmp')),
    [],
    'no temporary files left',
  );
});

test('read-only directory: exit 2 naming the directory, nothing launched', { skip: rootOnly('to mount a tmpfs') }, async (t) => {
  const box = new Sandbox();
  const marker = `read-only-${process.pid}-${Date.now()}`;
  t.after(() => cleanup(box, marker));
  const disk = tinyDisk(box);
  execFileSync('mount', ['-o', 'remount,ro', disk]);
  const result = await box.run(['--pid', `${disk}/app.pid`, '--log', box.path('app.log'), '--', fixture('forever.js'), marker]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /EROFS/);
  assert.ok(result.stderr.includes(disk), result.stderr);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  assert.deepEqual(pidsWithArg(marker), []);
});

test('a log rotation that fails on a full disk is a warning said once; the death, the relaunch and the save go on', {
  skip: rootOnly('to mount a tmpfs'),
}, async (t) => {
  const box = new Sandbox();
  const marker = `rotate-full-${process.pid}-${Date.now()}`;
  t.after(() => cleanup(box, marker));
  const disk = tinyDisk(box);
  const log = `${disk}/app.log`;
  const args = ['--pid', 'app.pid', '--log', log, '--log-max-size', '1k', '--start-secs', '0', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(args)).code, 0);
  const first = box.pidOf();
  appendFileSync(log, 'x'.repeat(8192));
  fill(disk);
  process.kill(first, 'SIGKILL');
  await waitUntil(() => !isAlive(first), 'the program to die');

  const check = await box.run(args);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, /died/);
  assert.match(check.stderr, /started/);
  const warning = check.stderr.split('\n').filter((line) => /rotate/.test(line));
  assert.equal(warning.length, 1, check.stderr);
  assert.match(warning[0]!, /ENOSPC/);
  assert.match(warning[0]!, /free some space/);
  const second = box.pidOf();
  assert.notEqual(second, first);
  assert.deepEqual(pidsWithArg(marker), [second], 'relaunched once');
  const state = JSON.parse(readOr(box.path('app.state.json')));
  assert.equal(state.identity.pid, second, 'the state was saved');
  assert.equal(state.lastExit.pid, first, 'with the death');

  const again = await box.run(args);
  assert.deepEqual([again.code, again.stdout, again.stderr], [0, '', ''], 'the warning is said once, not every minute');
});
