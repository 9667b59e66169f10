// A PID file holding anything but one decimal PID > 1 is reported once and treated as "not running".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, lines, readOr } from '../helpers.ts';
import { pidsWithArg, uniqueMarker } from '../proc.ts';

const GARBAGE: [string, string][] = [
  ['text', 'hello world\n'],
  ['zero', '0\n'],
  ['init', '1\n'],
  ['negative', '-1\n'],
  ['empty', ''],
  ['huge number', '99999999999999999999\n'],
  ['huge file', '1'.repeat(100_000)],
  ['trailing letters', '123abc\n'],
  ['shell variable', '$$\n'],
  ['padded', ' 4242 \n'],
  ['two lines', '4242\n4243\n'],
  ['hex', '0x10\n'],
  ['signed', '+4242\n'],
];

for (const [label, text] of GARBAGE) {
  test(`a PID file with ${label} is named once on stderr, then the program is launched and the file rewritten`, async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const marker = uniqueMarker('garbage');
    writeFileSync(box.path('app.pid'), text);
    const run = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    const said = lines(run.stderr);
    assert.equal(said.length, 2, run.stderr);
    assert.ok(said[0]!.includes(box.path('app.pid')), `the warning names the PID file: ${said[0]}`);
    assert.match(said[1]!, /^app: started \(pid [0-9]+\)$/);
    const pid = box.pidOf();
    assert.equal(readOr(box.path('app.pid')), `${pid}\n`);
    assert.deepEqual(pidsWithArg(marker), [pid]);
    // Said once: the next check is quiet.
    const again = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker]);
    assert.deepEqual([again.code, again.stdout, again.stderr], [0, '', '']);
  });
}

test('a garbled or deleted PID file is repaired from the launch record when the recorded process still runs', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const marker = uniqueMarker('repair');
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(cmd)).code, 0);
  const pid = box.pidOf();
  for (const text of ['garbage\n', '', '1\n', null]) {
    if (text === null) rmSync(box.path('app.pid'));
    else writeFileSync(box.path('app.pid'), text);
    const run = await box.run(cmd);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.doesNotMatch(run.stderr, /started/);
    assert.equal(readOr(box.path('app.pid')), `${pid}\n`, 'the PID file is rewritten');
    assert.deepEqual(pidsWithArg(marker), [pid], 'nothing else was launched');
  }
});
