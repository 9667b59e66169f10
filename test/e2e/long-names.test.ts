// A PID file whose name is legal but long (near NAME_MAX, 255 bytes) works: the temporary
// names of atomic writes never overflow NAME_MAX.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Sandbox, fixture } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

test('a 244-byte PID file name: launched, recorded, status readable, no temporary file left', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('longname');
  t.after(cleanupMarked(box, marker));
  // The sidecar (.state.json) and the lock (.pid.lock) still fit in 255 bytes.
  const pidFile = `${'n'.repeat(240)}.pid`;
  const run = await box.run(['--pid', pidFile, '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(run.code, 0, run.stderr);
  const pid = box.pidOf(pidFile);
  assert.deepEqual(pidsWithArg(marker), [pid]);
  const status = await box.run(['--pid', pidFile, '--status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).pid, pid);
  assert.deepEqual(
    readdirSync(box.dir).filter((name) => name.endsWith('.tmp')),
    [],
  );
});
