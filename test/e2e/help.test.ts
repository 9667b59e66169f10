// Help, man page and shell completion, all written from the option table: --help fits 40
// lines, --help-all and the man page name every option with its value word (never [string]),
// the man page renders, and bash completes options and values through the real completion
// function, and zsh through its completion system in a pseudo-terminal (zsh/zpty).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTIONS, type OptionSpec } from '../../src/cli/options.ts';
import { ROOT, Sandbox, runProcess } from '../helpers.ts';
import { needs, tool } from '../tools.ts';

const ROWS = Object.entries(OPTIONS as Record<string, OptionSpec>);
/** A terminal's escape sequences (ESC [ ... letter), as zsh writes them to its pseudo-terminal. */
const TERMINAL_CODES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[a-zA-Z]`, 'g');
const MAN = join(ROOT, 'dist', 'ensure-running.1');
const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

test('--help: the common calls and options in at most 40 lines; --help-all: every option of the table, typed', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const help = await box.run(['--help']);
  assert.equal(help.code, 0, help.stderr);
  const lines = help.stdout.trimEnd().split('\n');
  assert.ok(lines.length <= 40, `--help is ${lines.length} lines`);
  for (const line of lines) assert.ok(line.length <= 100, `a --help line is wider than 100 columns: ${line}`);
  assert.match(help.stdout, /--help-all/, '--help says where the rest is');
  assert.match(help.stdout, /man ensure-running/);
  assert.ok(help.stdout.includes(`Guides: ${join(ROOT, 'docs')} (getting-started.md first)`), 'the guides are named where they are');
  assert.match(help.stdout, /--config FILE/, 'the usage names --config');
  assert.match(help.stdout, /--crontab/, 'the usage names --crontab');

  const all = await box.run(['--help-all']);
  assert.equal(all.code, 0, all.stderr);
  assert.doesNotMatch(all.stdout + help.stdout, /\[(string|boolean|array|number)\]/, 'no parser types');
  for (const [name, spec] of ROWS) {
    const shown = spec.valueName ? `--${name} ${spec.valueName}` : `--${name}`;
    assert.match(all.stdout, new RegExp(`^ {2}${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( |$)`, 'm'), `--help-all shows ${shown}`);
    if (spec.kind && spec.type !== 'boolean' && /duration|count|whole|size/i.test(String(spec.kind.parse)))
      assert.ok(spec.valueName && /^(DURATION|N|SIZE)$/.test(spec.valueName), `--${name} is typed: ${spec.valueName}`);
  }
  for (const name of ['start-secs', 'kill-after', 'interval', 'backoff-max']) assert.equal(OPTIONS[name as 'start-secs'].valueName, 'DURATION');
  for (const name of ['max-retries', 'crowd-deaths', 'health-failures', 'log-keep']) assert.equal(OPTIONS[name as 'max-retries'].valueName, 'N');
  assert.match(all.stdout, /^DURATION: /m, 'the value words are explained');
});

test('the man page is built from the table, named in package.json, and renders', { skip: !existsSync(MAN) && 'npm run build first' }, () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man?: string[] };
  assert.deepEqual(pkg.man, ['./dist/ensure-running.1']);
  const page = readFileSync(MAN, 'utf8');
  assert.match(page, /^\.TH ENSURE\\-RUNNING 1 /);
  for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', 'SEE ALSO']) assert.match(page, new RegExp(`^\\.SH ${section}$`, 'm'));
  for (const [name] of ROWS) assert.ok(page.includes(`\\fB\\-\\-${name.replace(/-/g, '\\-')}\\fR`), `the man page has --${name}`);
  for (const line of page.split('\n')) assert.doesNotMatch(line, /^'|^\.(?![A-Z]{2}\b|TH |SH |SS |TP$|PP$|br$|B |I )/, `a line roff would misread: ${line}`);
  if (has('groff')) {
    const lint = spawnSync('groff', ['-man', '-ww', '-z', MAN], { encoding: 'utf8' });
    assert.deepEqual([lint.status, lint.stderr], [0, ''], 'groff reads it without a warning');
  }
  if (has('man')) {
    const shown = spawnSync('man', ['-l', MAN], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '100', LANG: 'C' } });
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /--heartbeat-timeout DURATION/);
    assert.match(shown.stdout, /EXIT STATUS/);
  }
});

test('bash completion, from --completion bash: options, their values, and the command after --', { skip: !has('bash') && 'no bash' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const script = await box.run(['--completion', 'bash']);
  assert.equal(script.code, 0, script.stderr);
  writeFileSync(box.path('er.bash'), script.stdout);
  const complete = (...words: string[]) => {
    const quoted = words.map((word) => `'${word}'`).join(' ');
    const run = spawnSync(
      'bash',
      [
        '--norc',
        '-c',
        `source ./er.bash; COMP_WORDS=(ensure-running ${quoted}); COMP_CWORD=${words.length}; _ensure_running; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { cwd: box.dir, encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.split('\n').filter(Boolean).sort();
  };
  assert.deepEqual(complete('--heartb'), ['--heartbeat', '--heartbeat-grace', '--heartbeat-timeout']);
  assert.deepEqual(complete('--pid', 'app.pid', '--help'), ['--help', '--help-all']);
  assert.deepEqual(complete('--signal', 'K'), ['KILL']);
  assert.deepEqual(complete('--format', ''), ['json', 'prometheus', 'text']);
  writeFileSync(box.path('app.pid'), '');
  assert.deepEqual(complete('--pid', 'app.'), ['app.pid']);
  assert.ok(complete('--pid', 'app.pid', '--', 'bas').includes('bash'), 'after --, a command');
  // Every option of the table completes.
  const everything = complete('--');
  for (const [name] of ROWS) assert.ok(everything.includes(`--${name}`), `--${name} completes`);
});

test('zsh completion names every option; an unknown shell is refused in one line', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const zsh = await box.run(['--completion', 'zsh']);
  assert.equal(zsh.code, 0, zsh.stderr);
  assert.match(zsh.stdout, /^#compdef ensure-running$/m);
  for (const [name] of ROWS) assert.match(zsh.stdout, new RegExp(`^ {2}'\\*?--${name}\\[`, 'm'), `zsh completes --${name}`);
  const fish = await runProcess(join(ROOT, 'bin', 'ensure-running'), ['--completion', 'fish'], { cwd: box.dir, env: box.env() });
  assert.equal(fish.code, 2);
  assert.match(fish.stderr, /^ensure-running: --completion "fish": no completion for that shell; use bash or zsh\n$/);
});

test('zsh completes options and their values through its completion system', { skip: needs('zsh') }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const script = await box.run(['--completion', 'zsh']);
  assert.equal(script.code, 0, script.stderr);
  writeFileSync(box.path('_ensure-running'), script.stdout);
  assert.equal(spawnSync(tool('zsh'), ['-n', box.path('_ensure-running')]).status, 0, 'zsh parses it');
  // An interactive zsh in a pseudo-terminal, compinit with the script on fpath, a line typed
  // and TAB pressed; what it lists is read back until the expected words come (bounded).
  const complete = (line: string, expect: string) => {
    const driver = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PROMPT="%% "; fpath=(${box.dir} $fpath); autoload -U compinit; compinit -u -D; zstyle ":completion:*" list-prompt ""; LISTMAX=0'
zpty -w -n z ${JSON.stringify(line)}
zpty -w -n z $'\t\t'
out=''
for i in {1..100}; do
  zpty -r -t z chunk && out+=$chunk
  [[ $out == *${expect}* ]] && break
  sleep 0.1
done
zpty -d z
print -r -- "$out"
`;
    const run = spawnSync(tool('zsh'), ['-f', '-c', driver], {
      encoding: 'utf8',
      cwd: box.dir,
      env: { PATH: process.env.PATH, HOME: box.dir, TERM: 'dumb', LANG: 'C' },
      timeout: 30_000,
    });
    return run.stdout.replace(TERMINAL_CODES, '');
  };
  const options = complete('ensure-running --heartb', 'heartbeat-timeout');
  for (const name of ['--heartbeat-grace', '--heartbeat-timeout']) assert.ok(options.includes(name), `zsh lists ${name}: ${options}`);
  const values = complete('ensure-running --format ', 'prometheus');
  assert.match(values, /prometheus/);
});
