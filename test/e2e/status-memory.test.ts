// A bare --status reads /proc once for every program (src/os/run-members.ts runMembersFinder)
// and must find for each run its own members, as --status --pid does for one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';

test("bare --status: each program's memory counts its own run (its group), as --status --pid does", async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('status-memory');
  t.after(cleanupMarked(box, marker));
  // Program a: a shell and two children in its group; program b: a shell and one child. The
  // marker is the shell's $0; cleanup kills each shell's group, children included.
  const programs: [string, string][] = [
    ['a', 'sleep 1001 & sleep 1002 & wait'],
    ['b', 'sleep 1003 & wait'],
  ];
  for (const [name, script] of programs) {
    const run = await box.run(['--pid', `${name}.pid`, '--start-secs', '0.5', '--', '/bin/sh', '-c', script, marker]);
    assert.equal(run.code, 0, run.stderr);
    box.pidOf(`${name}.pid`);
  }
  const all = await box.run(['--status', '--json']);
  assert.equal(all.code, 0, all.stderr);
  const rows = JSON.parse(all.stdout) as { name: string; memory: { processes: number; bytes: number } | null }[];
  const byName = new Map(rows.map((row) => [row.name, row.memory]));
  assert.equal(byName.get('a')?.processes, 3, all.stdout);
  assert.equal(byName.get('b')?.processes, 2, all.stdout);
  for (const [name] of programs) {
    const one = await box.run(['--status', '--json', '--pid', `${name}.pid`]);
    assert.equal(JSON.parse(one.stdout).memory?.processes, byName.get(name)?.processes, `${name}: the same run either way`);
  }
});
