// Which calls the plain check bundle (dist/check.cjs) runs itself: a check by --pid that needs
// neither a lease store, a config file nor cron-parser. Everything else must go to the full CLI,
// where those modules live (the bundle holds throwing stand-ins for them: scripts/build.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainCheck } from '../../src/cli/check-entry.ts';

test('check entry: a plain check by --pid runs in the check bundle', () => {
  assert.equal(plainCheck(['--pid', '/tmp/app.pid', '--', 'sleep', '100']), true);
  assert.equal(plainCheck(['--pid', '/tmp/app.pid', '--start-secs', '0', '--heartbeat', '/tmp/beat', '--', 'sleep', '100']), true);
  assert.equal(plainCheck(['--pid', '/tmp/app.pid', '--interval', '5m', '--', 'sleep', '100']), true);
  // Told from the options alone: what the files say (here, a --pid that names a directory) is
  // found once, by the check in the bundle, whose main.ts says it as the full CLI's would.
  assert.equal(plainCheck(['--pid', '/tmp', '--', 'sleep', '100']), true);
});

test('check entry: a lease, a config file, a cron expression or another action goes to the full CLI', () => {
  const full = [
    ['--pid', '/tmp/app.pid', '--lease', 'redis://127.0.0.1/0', '--lease-name', 'app', '--', 'sleep', '100'],
    ['--pid', '/tmp/app.pid', '--restart-at', '0 3 * * *', '--', 'sleep', '100'],
    ['--pid', '/tmp/app.pid', '--schedule', '*/5 * * * *', '--', 'sleep', '100'],
    ['--config', '/tmp/programs.toml'],
    ['--check-config', '/tmp/programs.toml'],
    ['--status'],
    ['--pid', '/tmp/app.pid', '--stop'],
    ['--help'],
    // A mistake is said by the full CLI, with its exit code.
    ['--pid', '/tmp/app.pid', '--no-such-option', '--', 'sleep', '100'],
    ['--', 'sleep', '100'],
    [],
  ];
  for (const args of full) assert.equal(plainCheck(args), false, args.join(' '));
});
