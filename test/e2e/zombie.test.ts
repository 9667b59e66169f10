// A dead target that nobody reaps stays a zombie: kill(pid, 0) still succeeds, yet the check must call it dead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BIN, Sandbox, fixture, killHard, lines, waitUntil } from '../helpers.ts';
import { procStat, uniqueMarker, pidsWithArg } from '../proc.ts';

interface Answer {
  code: number;
  stdout: string;
  stderr: string;
}

test('a zombie target (under a subreaper that never reaps) is reported dead and relaunched', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('zombie');
  const reaper = spawn('python3', [fixture('subreaper.py')], { cwd: box.dir, env: box.env(), stdio: ['pipe', 'pipe', 'inherit'] });
  const reaperPid = box.spawned(reaper.pid!);
  t.after(() => {
    for (const pid of pidsWithArg(marker)) killHard(pid);
    reaper.stdin.end();
    killHard(reaperPid);
    box.cleanup();
  });
  const answers = createInterface({ input: reaper.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await answers.next()).value as string) as Answer & { ready?: boolean };
  assert.equal((await next()).ready, true);
  const check = async (): Promise<Answer> => {
    reaper.stdin.write(`${JSON.stringify([BIN, '--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker])}\n`);
    return next();
  };

  const first = await check();
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  // The check has exited, so the orphaned target now belongs to the subreaper.
  assert.equal(procStat(pid)!.ppid, reaperPid);
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => procStat(pid)?.state === 'Z', 'the target to become a zombie');
  // Still "alive" to kill(pid, 0): the naive test would keep it forever.
  assert.doesNotThrow(() => process.kill(pid, 0));

  const second = await check();
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, '');
  const said = lines(second.stderr).filter((line) => !line.startsWith('  |'));
  assert.equal(said.length, 2, second.stderr);
  assert.match(said[0]!, new RegExp(`^app: died \\(pid ${pid}\\b`));
  assert.match(said[0]!, /zombie/);
  const fresh = box.pidOf();
  assert.notEqual(fresh, pid);
  assert.match(said[1]!, new RegExp(`^app: started \\(pid ${fresh}\\)$`));
  assert.deepEqual(pidsWithArg(marker), [fresh]);
  assert.equal(procStat(pid)?.state, 'Z', 'the zombie was left alone (it is not ours to reap)');

  const quiet = await check();
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', '']);
});
