// The target is detached: its own session and group, stdin /dev/null, no terminal, and it outlives a hang-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { BIN, NODE, Sandbox, fixture, isAlive, killHard, waitUntil } from '../helpers.ts';
import { pidsWithArg, procStat, uniqueMarker } from '../proc.ts';

const hasScript = existsSync('/usr/bin/script') && existsSync('/usr/bin/setsid');

test('the target survives the hang-up of the terminal session that launched it', {
  skip: hasScript ? false : 'util-linux script/setsid not installed (apt-get install bsdutils util-linux)',
}, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('detach');
  const holder = uniqueMarker('tty');
  t.after(() => {
    for (const pid of [...pidsWithArg(marker), ...pidsWithArg(holder)]) killHard(pid);
    box.cleanup();
  });
  // A terminal session like an SSH login: script gives the shell a pty; a waiting node keeps the session open.
  const inner = `${BIN} --pid app.pid --start-secs 0 -- ${fixture('forever.js')} ${marker}; exec ${NODE} -e 'setTimeout(()=>{},120000)' ${holder}`;
  const session = spawn('setsid', ['script', '-qec', inner, '/dev/null'], { cwd: box.dir, env: box.env(), stdio: 'ignore' });
  const scriptPid = box.spawned(session.pid!);
  const exited = new Promise((done) => session.once('exit', done));

  await waitUntil(() => pidsWithArg(holder).length === 1, 'the terminal session to be up after the check');
  const pid = box.pidOf();
  assert.deepEqual(pidsWithArg(marker), [pid]);
  const stat = procStat(pid)!;
  assert.equal(stat.session, pid, 'the target leads a new session');
  assert.equal(stat.pgrp, pid, 'the target leads its own process group');
  assert.equal(stat.ttyNr, 0, 'the target has no controlling terminal');
  assert.equal(readlinkSync(`/proc/${pid}/fd/0`), '/dev/null');
  // The shell inside script did have a terminal, so the test would notice a target that kept it.
  const shell = procStat(pidsWithArg(holder)[0]!)!;
  assert.notEqual(shell.ttyNr, 0);

  // Hang up: HUP to script's whole group, then KILL; the pty closes and HUPs the shell's session.
  process.kill(-scriptPid, 'SIGHUP');
  process.kill(-scriptPid, 'SIGKILL');
  await exited;
  await waitUntil(() => pidsWithArg(holder).length === 0, 'the terminal session to be gone');
  assert.ok(isAlive(pid), 'the target outlived the hang-up');
  const check = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.deepEqual([check.code, check.stdout, check.stderr], [0, '', '']);
  assert.deepEqual(pidsWithArg(marker), [pid]);
});
