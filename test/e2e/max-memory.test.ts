// --max-memory: a program whose run grows past the ceiling is restarted at the check, with one
// line giving the figure; --status shows the memory; the quiet promise never hides a check
// that must look at memory (none near the ceiling, at most 5 minutes otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, waitUntil } from '../helpers.ts';

const MIB = 1024 * 1024;
const rssOf = (pid: number) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const uptimeCs = () => Math.round(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100);

test('a program that grows past --max-memory is restarted at the next check, one line with the figure; counted like a hung restart', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0.3', '--max-memory', '150M', '--', fixture('grow.cjs'), '500', '200'];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  await waitUntil(() => readOr(box.path('app.log')).includes('grown 200 MiB'), 'the program to grow', 30_000);
  assert.ok(rssOf(pid) > 150 * MIB);
  const check = await box.run(args);
  assert.equal(check.code, 0, check.stderr);
  const match = new RegExp(
    `^app: restarting \\(resident memory (\\d+\\.\\d) MiB in 1 process, above ` +
      `--max-memory 150\\.0 MiB\\); stopped pid ${pid} with SIGTERM, started pid (\\d+)\\n$`,
  ).exec(check.stderr);
  assert.ok(match, check.stderr);
  assert.ok(Number(match[1]) > 150);
  const fresh = box.track(Number(match[2]));
  await waitUntil(() => !isAlive(pid), 'the grown run to be gone');
  assert.equal(box.pidOf(), fresh);
  const json = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json', '--history'])).stdout);
  const restart = json.events.find((e: { kind: string }) => e.kind === 'memory');
  assert.deepEqual([restart.pid, json.recentDeaths], [pid, 1]);
  assert.match(restart.detail, /^resident memory \d+\.\d MiB in 1 process, above --max-memory 150\.0 MiB$/);
});

test('--status shows the memory of the run; near the ceiling no quiet promise is given, well under it one of at most 5 minutes', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const target = ['--', fixture('grow.cjs'), '0', '64'];
  const plain = ['--pid', 'app.pid', '--start-secs', '0.3', '--min-uptime', '1s'];
  assert.equal((await box.run([...plain, ...target])).code, 0);
  const pid = box.pidOf();
  await waitUntil(() => readOr(box.path('app.log')).includes('grown'), 'the program to grow', 30_000);
  await waitUntil(() => Date.now() - Number(JSON.parse(readOr(box.path('app.state.json'))).identity.launchedAtMs) > 1_500, 'past --min-uptime');

  // A ceiling the run uses about 90% of: every check must look, so no promise.
  const near = [...plain, '--max-memory', `${Math.ceil(rssOf(pid) / 0.9 / 1024)}k`, ...target];
  for (let i = 0; i < 2; i++) {
    const check = await box.run(near);
    assert.deepEqual([check.code, check.stderr], [0, ''], `check ${i} near the ceiling`);
    assert.equal(readOr(box.path('app.promise')), '', 'no promise near the ceiling');
  }
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(status.memory.processes, 1);
  assert.ok(status.memory.bytes > 64 * MIB && status.memory.bytes < status.memory.maxBytes, JSON.stringify(status.memory));
  const text = (await box.run(['--pid', 'app.pid', '--status'])).stdout;
  assert.match(text, /\n {2}memory {5}\d+\.\d MiB resident in 1 process \(--max-memory \d+\.\d MiB\)\n/);

  // Well under the ceiling: a promise, ending within 5 minutes of the check (the horizon is 10).
  const under = [...plain, '--max-memory', '2G', ...target];
  const check = await box.run(under);
  assert.deepEqual([check.code, check.stderr], [0, '']);
  const promise = await waitUntil(() => readOr(box.path('app.promise')), 'the promise');
  const until = Number(/^until (\d+)$/m.exec(promise)![1]);
  const left = until - uptimeCs();
  assert.ok(left > 0 && left <= 5 * 60 * 100, `the promise lasts ${left / 100} s`);
  assert.equal(box.pidOf(), pid, 'never restarted');
});
