// The mark's mtime counts as the program's last check and last sighting only when the mark is a
// regular file of the records' owner. In a directory others may write (root's, sticky and open
// to all), a mark another user planted there, or a link, says nothing of the program's checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, rootOnly, runProcess } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';

const NOBODY = 65534;
const asNobody = (...command: string[]) => runProcess('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...command], { cwd: '/' });

test("a mark another user planted, or a link, is not the last check; the owner's own mark is", {
  skip: rootOnly('(another user plants the mark)'),
}, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('mark');
  t.after(cleanupMarked(box, marker));
  chmodSync(box.dir, 0o1777);
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const launched = await box.run(args);
  assert.equal(launched.code, 0, launched.stderr);
  box.pidOf();
  const mark = box.path('app.checked');
  assert.ok(!existsSync(mark), 'a launch leaves no mark');
  const lastCheck = async () => (JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout) as { lastCheck: string | null }).lastCheck;
  const before = await lastCheck();
  assert.ok(before !== null);
  const dayAhead = Math.floor(Date.now() / 1000) + 86_400;

  const planted = await asNobody('touch', '-d', `@${dayAhead}`, mark);
  assert.equal(planted.code, 0, planted.stderr);
  assert.equal(lstatSync(mark).uid, NOBODY);
  assert.equal(await lastCheck(), before, "nobody's mark");

  rmSync(mark);
  const fresh = box.path('fresh');
  writeFileSync(fresh, '1\n');
  utimesSync(fresh, dayAhead, dayAhead);
  const linked = await asNobody('ln', '-s', fresh, mark);
  assert.equal(linked.code, 0, linked.stderr);
  assert.equal(await lastCheck(), before, "nobody's link to a file of root's");

  rmSync(mark);
  writeFileSync(mark, '1\n');
  utimesSync(mark, dayAhead, dayAhead);
  assert.equal(await lastCheck(), new Date(dayAhead * 1000).toISOString(), "root's own mark");
});
