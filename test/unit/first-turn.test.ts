// What a call sets only once it may wait, and at the event loop's first turn then
// (src/os/first-turn.ts): nothing runs before the call says it may wait, what waits for that
// runs then, what waits for the turn runs at the first turn after it, and a timer set for then
// keeps its promise (fires, or not when cleared; holds the process only when not unref'd). Each
// case runs in a fresh node, where the loop has not turned yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { NODE, ROOT } from '../helpers.ts';

const MODULE = join(ROOT, 'src', 'os', 'first-turn.ts');

/** Runs `body` (an ES module body with the module's five functions imported) in a fresh node; its stdout. */
function run(body: string): string {
  const script = `import { atFirstTurn, beforeWaiting, whenWaiting, laterTimeout, clearLaterTimeout } from ${JSON.stringify(MODULE)};\n${body}`;
  const ran = spawnSync(NODE, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(ran.status, 0, ran.stderr);
  return ran.stdout;
}

test('first turn: work queued before the turn runs at it, in order; work queued after runs at once', () => {
  const out = run(
    "const seen = [];\natFirstTurn(() => seen.push('a'));\nbeforeWaiting();\natFirstTurn(() => seen.push('b'));\nseen.push('sync');\n" +
      "await Promise.resolve();\nseen.push('microtask');\n" +
      "setImmediate(() => { atFirstTurn(() => seen.push('late')); console.log(seen.join(' ')); });\n",
  );
  assert.equal(out.trim(), 'sync microtask a b late');
});

test('first turn: a process that ends before its first turn runs none of it', () => {
  assert.equal(run("atFirstTurn(() => console.log('ran'));\nbeforeWaiting();\nconsole.log('end');\nprocess.exit(0);\n").trim(), 'end');
});

test('first turn: a call that never says it may wait runs none of it, though the loop turns; it sets no immediate of its own', () => {
  const out = run(
    "atFirstTurn(() => console.log('turn'));\nwhenWaiting(() => console.log('waiting'));\nlaterTimeout(() => console.log('fired'), 5);\n" +
      "console.log(process.getActiveResourcesInfo().filter((name) => name === 'Immediate' || name === 'Timeout').join(',') || 'none');\n" +
      "setImmediate(() => setTimeout(() => console.log('end'), 20));\n",
  );
  assert.equal(out.trim(), 'none\nend');
});

test('first turn: what waits for the call to wait runs when it says so, in order, synchronously; after that, at once', () => {
  const out = run(
    "const seen = [];\nwhenWaiting(() => seen.push('a'));\nwhenWaiting(() => seen.push('b'));\nseen.push('sync');\n" +
      "beforeWaiting();\nseen.push('said');\nwhenWaiting(() => seen.push('late'));\nbeforeWaiting();\nconsole.log(seen.join(' '));\n",
  );
  assert.equal(out.trim(), 'sync a b said late');
});

test("first turn: a later timeout fires; cleared before or after the turn it does not; unref'd it does not hold the process", () => {
  assert.equal(run("beforeWaiting();\nlaterTimeout(() => console.log('fired'), 5);\n").trim(), 'fired');
  assert.equal(run("laterTimeout(() => console.log('fired'), 5);\nbeforeWaiting();\n").trim(), 'fired');
  assert.equal(run("beforeWaiting();\nconst t = laterTimeout(() => console.log('fired'), 5);\nclearLaterTimeout(t);\n").trim(), '');
  assert.equal(
    run("beforeWaiting();\nconst t = laterTimeout(() => console.log('fired'), 50);\nsetImmediate(() => setImmediate(() => clearLaterTimeout(t)));\n").trim(),
    '',
  );
  // Unref'd, with nothing else to wait for: the process ends without waiting a minute.
  assert.equal(run("beforeWaiting();\nlaterTimeout(() => console.log('fired'), 60_000).unref();\nconsole.log('end');\n").trim(), 'end');
});
