// Runs the test suites with node's own runner: unit and e2e files in parallel, then the
// serial ones (they change machine-wide settings such as ns_last_pid) one at a time. Ends
// with the list of tests skipped for want of a tool (test/tools.ts).
// Usage: node scripts/run-tests.mjs [unit|e2e|faults|serial|serial-faults|FILE.test.ts ...]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const groups = process.argv.slice(2);
const wanted = groups.length ? groups : ['unit', 'e2e', 'faults', 'serial', 'serial-faults'];
const files = (dir) =>
  dir.endsWith('.test.ts')
    ? [dir]
    : existsSync(join('test', dir))
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
const skipsDir = mkdtempSync(join(tmpdir(), 'er-skips-'));
const skips = join(skipsDir, 'skips');
for (const [list, concurrency] of runs) {
  if (list.length === 0) continue;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? 180000}`, ...list],
    { stdio: 'inherit', env: { ...process.env, ENSURE_RUNNING_TEST_SKIPS: skips } },
  );
  if (result.status !== 0) failed = true;
}
const skipped = existsSync(skips) ? [...new Set(readFileSync(skips, 'utf8').split('\n').filter(Boolean))].sort() : [];
rmSync(skipsDir, { recursive: true, force: true });
if (skipped.length) {
  console.log(`# skipped for want of a tool (npm test installs them as root with apt; CI=1 fails instead): ${skipped.length}`);
  for (const line of skipped) {
    const [tools, file] = line.split('\t');
    console.log(`#   ${file}: needs ${tools}`);
  }
}
process.exit(failed ? 1 : 0);
