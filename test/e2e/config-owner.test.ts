// A config file run by root names commands that root runs: like cron and sudo, root reads it
// only when it is root's and no one else can write it. Otherwise exit 2, the file named with
// the fix, and nothing run. A FIFO in its place is refused at once, never waited on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

const root = process.getuid?.() === 0;

for (const [how, spoil, expected] of [
  ['owned by uid 65534', (file: string) => chownSync(file, 65534, 65534), /belongs to uid 65534.*chown root .* && chmod go-w /],
  ['writable by its group', (file: string) => chmodSync(file, 0o664), /is writable by group or others \(mode 0664\).*chmod go-w /],
  ['writable by others', (file: string) => chmodSync(file, 0o646), /is writable by group or others \(mode 0646\).*chmod go-w /],
] as const) {
  test(`root refuses a config file ${how}: exit 2, the file and the fix named, nothing run`, { skip: !root && 'needs root' }, async (t) => {
    const box = new Sandbox();
    const marker = uniqueMarker('config-owner');
    t.after(cleanupMarked(box, marker));
    const file = box.path('apps.toml');
    writeFileSync(file, `[programs.web]\ncommand = ${JSON.stringify([fixture('forever.js'), marker])}\nstart-secs = 0\n`, { mode: 0o644 });
    spoil(file);
    for (const call of [
      ['--config', file],
      ['--check-config', file],
    ]) {
      const run = await box.run(call);
      assert.equal(run.code, 2, run.stderr);
      assert.ok(run.stderr.includes(file), run.stderr);
      assert.match(run.stderr.replaceAll('\n', ' '), expected);
    }
    assert.deepEqual(pidsWithArg(marker), [], 'nothing run');
    chownSync(file, 0, 0);
    chmodSync(file, 0o644);
    const fixed = await box.run(['--config', file]);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(pidsWithArg(marker).length, 1, 'run once the file is root’s and closed');
  });
}

test('a FIFO in place of the config file: refused at once, never waited on', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  execFileSync('mkfifo', [box.path('apps.toml')]);
  const run = await box.run(['--config', box.path('apps.toml')], { timeoutMs: 20_000 });
  assert.equal(run.signal, null, 'the call ended by itself');
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /not a regular file/);
  assert.ok(existsSync(box.path('apps.toml')));
});
