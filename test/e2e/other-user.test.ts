// Another uid's program: root never silently stops and relaunches a user's program as root.
// A check, --stop, --start or --restart on records that belong to another uid refuses, names
// the uid and the user, and says how to act as that user or to force it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, statSync } from 'node:fs';
import { BIN, Sandbox, fixture, isAlive, runProcess, waitUntil, rootOnly } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';
import { userName } from '../../src/os/owner.ts';

const NOBODY = 65534;

test('root refuses to act on a program whose records belong to uid 65534, unless --force', { skip: rootOnly('to switch user') }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('other-uid');
  t.after(cleanupMarked(box, marker));
  chownSync(box.dir, NOBODY, NOBODY);
  const line = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const asUser = await runProcess('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', BIN, ...line], { cwd: box.dir, env: box.env() });
  assert.equal(asUser.code, 0, asUser.stderr);
  const pid = box.pidOf();
  assert.equal(statSync(box.path('app.state.json')).uid, NOBODY);
  const user = userName(NOBODY);

  for (const args of [line, ['--pid', 'app.pid', '--restart', ...line.slice(2)], ['--pid', 'app.pid', '--stop'], ['--pid', 'app.pid', '--start']]) {
    const run = await box.run(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, new RegExp(`records belong to ${user ? `user ${user} \\(uid ${NOBODY}\\)` : `uid ${NOBODY}`}, not to root`));
    if (user) assert.match(run.stderr, new RegExp(`runuser -u ${user} -- ensure-running --pid ${box.path('app.pid')}`));
    assert.match(run.stderr, /add --force/);
  }
  assert.deepEqual(pidsWithArg(marker), [pid], 'the program runs on, untouched, as its user');
  assert.equal(statSync(box.path('app.state.json')).uid, NOBODY, "its records are still its user's");
  const status = await box.run(['--pid', 'app.pid', '--status']);
  assert.equal(status.code, 0, '--status only reads: allowed');

  // --force takes over the records, not another user's directory: root writes only where no one else can swap a file.
  const inTheirs = await box.run(['--pid', 'app.pid', '--stop', '--force', '--kill-after', '2s']);
  assert.equal(inTheirs.code, 2, inTheirs.stderr);
  assert.ok(inTheirs.stderr.includes(`${box.dir} belongs to`), inTheirs.stderr);
  assert.deepEqual(pidsWithArg(marker), [pid], 'refused before any signal');
  chownSync(box.dir, 0, 0);
  const forced = await box.run(['--pid', 'app.pid', '--stop', '--force', '--kill-after', '2s']);
  assert.equal(forced.code, 0, forced.stderr);
  await waitUntil(() => !isAlive(pid), 'the forced stop to end the program');
});
