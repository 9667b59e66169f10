// The check mark is written over in place, never emptied and written again, and never replaced
// by a rename: on ext4 either one pushes the file to the disk at once (auto_da_alloc), which
// for a healthy program was a disk write at every cron call. Seen with strace, for the three
// writers of the mark: the shell front door, the node path and the full check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { BIN, JS_BIN, NODE, Sandbox, fixture, runProcess } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';
import { needs, tool } from '../tools.ts';

/** One call under strace (-f: the front door execs node when it must; -y: descriptors with their paths); its result and the calls on the mark. */
async function tracedCall(box: Sandbox, command: string[], name: string, extraEnv: Record<string, string> = {}) {
  const trace = box.path(`${name}.strace`);
  const run = await runProcess(
    tool('strace'),
    ['-f', '-qq', '-y', '-e', 'trace=open,openat,truncate,ftruncate,rename,renameat,renameat2', '-o', trace, ...command],
    { cwd: box.dir, env: box.env(extraEnv) },
  );
  const onMark = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((line) => line.includes('app.checked'));
  return { run, onMark };
}

test('the mark is written over in place: never emptied first, never renamed over', { skip: needs('strace') }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('mark-in-place');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  // The first quiet check makes the mark (and the promise).
  const quiet = await box.run(args);
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], 'a quiet full check');
  const inode = statSync(box.path('app.checked')).ino;

  const writers: [string, string[], Record<string, string>][] = [
    ['the full check', [BIN, ...args], { ENSURE_RUNNING_NO_FAST_PATH: '1' }],
    ['the front door', [BIN, ...args], { ENSURE_RUNNING_NODE: '/bin/false' }],
    ['the node path', [NODE, JS_BIN, ...args], {}],
  ];
  for (const [who, command, env] of writers) {
    const before = Number(readFileSync(box.path('app.checked'), 'utf8'));
    const { run, onMark } = await tracedCall(box, command, who.replaceAll(' ', '-'), env);
    assert.deepEqual([run.code, run.stdout, run.stderr], [0, '', ''], `${who}: a quiet call`);
    assert.ok(
      onMark.some((line) => /open(at)?\(.*app\.checked".*O_(WRONLY|RDWR)/.test(line)),
      `${who} writes the mark:\n${onMark.join('\n')}`,
    );
    assert.deepEqual(
      onMark.filter((line) => /O_TRUNC|truncate\(.*app\.checked.*, 0\)|rename/.test(line)),
      [],
      `${who} neither empties the mark nor renames over it`,
    );
    const text = readFileSync(box.path('app.checked'), 'utf8');
    assert.match(text, /^[1-9][0-9]*\n$/, `${who} leaves one line, the uptime in centiseconds`);
    assert.ok(Number(text) >= before, `${who} moves the mark forward`);
    assert.equal(statSync(box.path('app.checked')).ino, inode, `${who} keeps the mark's file`);
  }
});
