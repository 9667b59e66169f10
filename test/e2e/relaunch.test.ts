// A crashed program is relaunched by the next check, its log appended to, never truncated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, readOr, waitUntil } from '../helpers.ts';

const O_APPEND = 0o2000;

/** The open flags of a process's file descriptor, from /proc/<pid>/fdinfo. */
function fdFlags(pid: number, fd: number): number {
  const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
  return Number.parseInt(/^flags:\s+([0-7]+)/m.exec(info)![1]!, 8);
}

test('after a crash the next check relaunches, appends to the log, and says died + started once', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  writeFileSync(box.path('app.log'), 'line from before ensure-running\n');
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), 'run'];

  const first = await box.run(cmd);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  await waitUntil(() => lines(readOr(box.path('app.log'))).length >= 2, 'the first run to log');
  // Both streams go to one file opened with O_APPEND, so copytruncate rotation cannot leave a hole.
  assert.ok(fdFlags(pid, 1) & O_APPEND, 'stdout is opened O_APPEND');
  assert.ok(fdFlags(pid, 2) & O_APPEND, 'stderr is opened O_APPEND');

  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the target to die');

  const second = await box.run(cmd);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, '');
  const newPid = box.pidOf();
  assert.notEqual(newPid, pid);
  assert.ok(isAlive(newPid));
  // One line per change of state; the died line may carry the log's last lines, indented under it.
  const said = lines(second.stderr).filter((line) => !line.startsWith('  |'));
  assert.equal(said.length, 2, second.stderr);
  assert.match(said[0]!, new RegExp(`^app: died \\(pid ${pid}\\b`));
  assert.match(said[1]!, new RegExp(`^app: started \\(pid ${newPid}\\)$`));
  assert.equal(readOr(box.path('app.pid')), `${newPid}\n`);

  await waitUntil(() => lines(readOr(box.path('app.log'))).length >= 3, 'the second run to log');
  const log = lines(readOr(box.path('app.log')));
  assert.equal(log[0], 'line from before ensure-running');
  assert.deepEqual(JSON.parse(log[1]!).argv, ['run']);
  assert.equal(JSON.parse(log[1]!).restarts, '0');
  assert.deepEqual(JSON.parse(log[2]!).argv, ['run']);
  assert.equal(JSON.parse(log[2]!).restarts, '1');

  // And the check after that is quiet again.
  const third = await box.run(cmd);
  assert.deepEqual([third.code, third.stdout, third.stderr], [0, '', '']);
});
