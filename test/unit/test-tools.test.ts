// The test tools (scripts/test-tools.ts): with a PATH that lacks one and no way to install it,
// the set-up says so in one line and goes on, the test that needs it is skipped with one line
// naming it and listed at the end of the run; with CI=1 both fail instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { ROOT, Sandbox, runProcess } from '../helpers.ts';

/** A PATH that holds node and nothing else (no shellcheck, no apt-get), and the environment around it. */
function bareEnv(box: Sandbox, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const bin = box.path('bin');
  mkdirSync(bin, { recursive: true });
  try {
    symlinkSync(process.execPath, box.path('bin', 'node'));
  } catch {
    // made by an earlier call
  }
  return { PATH: bin, HOME: box.dir, LANG: 'C', ...extra };
}

test('a missing tool: one line at set-up, the test that needs it skipped and listed; CI=1 fails the run', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const node = process.execPath;

  const setUp = await runProcess(node, ['--import', 'tsx', 'scripts/test-tools.ts'], { cwd: ROOT, env: bareEnv(box), timeoutMs: 60_000 });
  assert.equal(setUp.code, 0, setUp.stderr);
  assert.match(
    setUp.stderr,
    /^test tools: shellcheck not installed \((no apt-get on PATH|not root); Debian: apt-get install shellcheck\): the tests that need it are skipped/m,
  );
  assert.doesNotMatch(setUp.stderr, /installing/, 'nothing is installed without apt-get');
  const setUpCi = await runProcess(node, ['--import', 'tsx', 'scripts/test-tools.ts'], { cwd: ROOT, env: bareEnv(box, { CI: '1' }), timeoutMs: 60_000 });
  assert.equal(setUpCi.code, 1, setUpCi.stderr);
  assert.match(setUpCi.stderr, /^test tools: shellcheck not installed .*CI=1, so the run fails/m);

  const fixture = 'test/fixtures/needs-tool.test.ts';
  const run = await runProcess(node, ['scripts/run-tests.mjs', fixture], { cwd: ROOT, env: bareEnv(box), timeoutMs: 120_000 });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^ok 1 - a test that needs shellcheck # SKIP needs shellcheck, not installed/m);
  assert.match(run.stdout, /^# skipped for want of a tool .*: 1\n# {3}test\/fixtures\/needs-tool\.test\.ts: needs shellcheck$/m);
  const ci = await runProcess(node, ['scripts/run-tests.mjs', fixture], { cwd: ROOT, env: bareEnv(box, { CI: '1' }), timeoutMs: 120_000 });
  assert.equal(ci.code, 1, ci.stdout);
  assert.match(ci.stdout, /shellcheck not found/);
  assert.doesNotMatch(ci.stdout, /# SKIP|skipped for want/);
});
