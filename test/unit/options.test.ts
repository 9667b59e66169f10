// The option table: each default shown in --help is the row's value itself and reads back to
// it, the rows are consistent, and a configuration resolves from a plain {name: text} map
// that did not come from argv, with errors naming the option.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIONS, defaultShown, isPathOption, pathOptions, type OptionSpec } from '../../src/cli/options.ts';
import { OptionError } from '../../src/cli/option-kinds.ts';
import { checkNeeds, givenValue, optionValue } from '../../src/cli/option-values.ts';
import { helpText as fullHelp } from '../../src/cli/help.ts';
import { resolveConfig } from '../../src/cli/settings.ts';
import type { World } from '../../src/world.ts';
import { Sandbox } from '../helpers.ts';

const ROWS = Object.entries(OPTIONS as Record<string, OptionSpec>);

/** --help-all, whitespace folded. */
async function helpText(): Promise<string> {
  return fullHelp('test', true).replace(/\s+/g, ' ');
}

test('option table: every default is shown in --help from the value itself, and the shown text reads back to it', async () => {
  const help = await helpText();
  for (const [name, spec] of ROWS) {
    if (spec.default === undefined) continue;
    assert.ok(spec.kind, `--${name} has a default but no kind to show it`);
    const shown = spec.kind.show(spec.default);
    assert.deepEqual(spec.kind.parse(shown, name), spec.default, `--${name}: its default shown as ${shown} reads back as another value`);
    assert.ok(help.includes(`[default: ${shown}]`), `--help-all does not show --${name}'s default ${shown}`);
  }
});

test('option table: a hand-written default text only where the default is not a constant', () => {
  for (const [name, spec] of ROWS) {
    if (spec.defaultText !== undefined) assert.equal(spec.default, undefined, `--${name} has both a default and a hand-written text for it`);
    if (spec.type === 'boolean') assert.equal(defaultShown(spec), undefined, `flag --${name} shows a default`);
  }
});

test('option table: needs name options of the table; files and directories are path options', () => {
  for (const [name, spec] of ROWS) {
    for (const other of spec.needs ?? []) assert.ok(other in OPTIONS, `--${name} needs --${other}, which is not an option`);
    if (spec.valueName === 'FILE' || spec.valueName === 'DIR') assert.ok(isPathOption(name), `--${name} takes a ${spec.valueName} but is not a path option`);
  }
  assert.deepEqual(
    pathOptions(),
    ROWS.filter(([, spec]) => spec.path).map(([name]) => name),
    'the path options, in the order of the table',
  );
  for (const name of ['log', 'cwd']) assert.ok(isPathOption(name), `--${name} is a path option`);
  for (const name of ['user', 'start-secs', 'toString', '__proto__', 'no-such-option']) assert.ok(!isPathOption(name), `${name} is not a path option`);
});

test('option values: given text is parsed by its row, absent is the default, a refusal names the option and keeps the parts apart', () => {
  assert.equal(optionValue({ 'kill-after': '2m' }, 'kill-after'), 120_000);
  assert.equal(optionValue({}, 'kill-after'), OPTIONS['kill-after'].default);
  assert.equal(optionValue({ signal: 'sigint' }, 'signal'), 'SIGINT');
  assert.equal(optionValue({ 'fatal-retry': 'off' }, 'fatal-retry'), null);
  assert.deepEqual(givenValue({ env: ['A=1', 'B=2', 'A=3'] }, 'env'), { A: '3', B: '2' });
  assert.equal(givenValue({}, 'heartbeat'), undefined);
  assert.throws(
    () => optionValue({ 'max-retries': '0' }, 'max-retries'),
    (error: unknown) =>
      error instanceof OptionError &&
      error.option === 'max-retries' &&
      error.value === '0' &&
      error.problem === 'must be a whole number of 1 or more' &&
      error.message === '--max-retries "0" must be a whole number of 1 or more',
  );
  assert.throws(() => checkNeeds({ tz: 'UTC' }), /^UsageError: --tz needs --restart-at or --schedule$/);
  assert.doesNotThrow(() => checkNeeds({ tz: 'UTC', schedule: '* * * * *' }));
});

test('settings: a configuration resolves from a plain map of option texts, paths against the given base', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const world: World = {
    now: () => 0,
    cwd: '/',
    env: { ENSURE_RUNNING_HOME: box.path('registry') },
    home: box.dir,
    warn: () => undefined,
    say: () => undefined,
  };
  const values = { pid: 'app.pid', heartbeat: 'beat', 'heartbeat-timeout': '30s', interval: '2m', signal: 'INT', env: ['MODE=blue'] };
  const config = await resolveConfig({ action: 'check', values, command: ['./server.js'] }, world, { schedules: true, base: box.dir });
  assert.equal(config.paths.pidFile, box.path('app.pid'));
  assert.equal(config.stdout, box.path('app.log'));
  assert.deepEqual(config.health?.heartbeat, { file: box.path('beat'), timeoutMs: 30_000, graceMs: 30_000 });
  assert.equal(config.policy.periodMs, 120_000);
  assert.equal(config.cadence?.periodMs, 120_000);
  assert.equal(config.stopSignal, 'SIGINT');
  assert.equal(config.killAfterMs, OPTIONS['kill-after'].default);
  assert.deepEqual(config.extraEnv, { MODE: 'blue', ENSURE_RUNNING_HEARTBEAT: box.path('beat') });
  await assert.rejects(
    resolveConfig({ action: 'check', values: { ...values, 'heartbeat-timeout': '0' }, command: ['x'] }, world, { schedules: true, base: box.dir }),
    (error: unknown) => error instanceof OptionError && error.option === 'heartbeat-timeout',
  );
});
