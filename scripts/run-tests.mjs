// Runs the test suites with node's own runner: unit and e2e files in parallel, then the
// serial ones (they change machine-wide settings such as ns_last_pid) one at a time.
// Usage: node scripts/run-tests.mjs [unit|e2e|faults|serial|serial-faults ...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const groups = process.argv.slice(2);
const wanted = groups.length ? groups : ['unit', 'e2e', 'faults', 'serial', 'serial-faults'];
const files = (dir) =>
  existsSync(join('test', dir))
    ? readdirSync(join('test', dir))
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => join('test', dir, f))
    : [];

let failed = false;
const isSerial = (g) => g.startsWith('serial');
const parallel = wanted.filter((g) => !isSerial(g)).flatMap(files);
const serial = wanted.filter(isSerial).flatMap(files);
const runs = [
  [parallel, '3'],
  [serial, '1'],
];
for (const [list, concurrency] of runs) {
  if (list.length === 0) continue;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? 180000}`, ...list],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
