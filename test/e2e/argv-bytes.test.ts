// Node reads its arguments as UTF-8: bytes that are not become U+FFFD, so the program would
// get other bytes than the crontab line gave. Such a call is refused (exit 2, saying so), and
// nothing is launched; an argument that truly holds U+FFFD, in UTF-8, is passed on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, Sandbox, fixture, runProcess } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

test('an argument that is not valid UTF-8 is refused with exit 2, nothing launched; U+FFFD itself in UTF-8 is passed on', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('bytes');
  t.after(cleanupMarked(box, marker));
  const line = (arg: string) => `exec '${BIN}' --pid app.pid --start-secs 0 -- '${fixture('forever.js')}' ${marker} "$(printf '${arg}')"`;
  const bad = await runProcess('sh', ['-c', line('caf\\351')], { cwd: box.dir, env: box.env() });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /argument 8 .* is not valid UTF-8, and Node cannot pass it on unchanged/);
  assert.deepEqual(pidsWithArg(marker), [], 'nothing launched');
  const good = await runProcess('sh', ['-c', line('caf\\357\\277\\275')], { cwd: box.dir, env: box.env() });
  assert.equal(good.code, 0, good.stderr);
  assert.equal(pidsWithArg(marker).length, 1, 'launched');
  assert.ok(pidsWithArg('caf\uFFFD').length === 1, 'with its argument as given');
});
