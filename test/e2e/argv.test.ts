// Everything after `--` reaches the target byte for byte, even words that look like our own options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Sandbox, fixture, readOr, waitUntil } from '../helpers.ts';

test('the target argv after -- is passed unchanged, including --pid, --help, numbers and empty strings', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'other.pid', '--help', '--status', '1e3', '', '-5', '0x10', '1.50', '--', 'two words', 'quo\'te"s', 'ünï', '-x=y'];
  const run = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), ...args]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');
  const pid = box.pidOf();
  const first = await waitUntil(() => readOr(box.path('app.log')).split('\n')[0] ?? '', 'the first log line');
  assert.deepEqual(JSON.parse(first).argv, args);
  // The kernel's view agrees: argv[0] is the command as given, the rest unchanged.
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  assert.deepEqual(cmdline.slice(-args.length), args);
  // Our own --pid was the only one read: the target's did not create other.pid.
  assert.equal(readOr(box.path('other.pid')), '');
});
