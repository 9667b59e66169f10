// The tools some tests need, found and (as root, with apt) installed before `npm test` runs
// its suites. A tool that cannot be installed makes the tests that need it skip, each with one
// line naming it (test/tools.ts), and the run ends with the list; with CI=1 it fails the run.
// Run directly: node --import tsx scripts/test-tools.ts (ENSURE_RUNNING_TEST_NO_INSTALL=1: look only).

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ToolName = 'faketime' | 'dash' | 'busybox' | 'shellcheck' | 'postgresql' | 'redis-server' | 'promtool' | 'crontab' | 'zsh' | 'strace';

interface Tool {
  /** What needs it, for the lines that say it is missing. */
  for: string;
  /** Debian packages that bring it (promtool: taken alone from the prometheus package). */
  apt: string;
  /** Where it is, or null. */
  find(path: string): string | null;
}

/** The first `name` in the directories of PATH. */
export function onPath(name: string, path: string): string | null {
  for (const dir of path.split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return null;
}

const LIBFAKETIME = ['x86_64-linux-gnu', 'aarch64-linux-gnu', 'arm-linux-gnueabihf', 'i386-linux-gnu', ''].map((arch) =>
  join('/usr/lib', arch, 'faketime', 'libfaketime.so.1'),
);

export const TOOLS: Record<ToolName, Tool> = {
  faketime: { for: 'the clock-jump fault tests', apt: 'faketime', find: () => LIBFAKETIME.find((lib) => existsSync(lib)) ?? null },
  dash: { for: 'the front door run under dash', apt: 'dash', find: (path) => onPath('dash', path) },
  busybox: { for: 'the front door run under BusyBox sh', apt: 'busybox', find: (path) => onPath('busybox', path) },
  shellcheck: { for: 'the lint of the front door', apt: 'shellcheck', find: (path) => onPath('shellcheck', path) },
  postgresql: {
    for: 'the --lease tests on PostgreSQL (a private server of their own)',
    apt: 'postgresql',
    find: () => {
      const root = '/usr/lib/postgresql';
      if (!existsSync(root)) return null;
      const initdb = readdirSync(root).map((version) => join(root, version, 'bin', 'initdb'));
      return initdb.find((file) => existsSync(file)) ?? null;
    },
  },
  'redis-server': { for: 'the --lease tests on Redis', apt: 'redis-server', find: (path) => onPath('redis-server', path) },
  // promtool is also looked for in /usr/local/bin, where it is installed below.
  promtool: { for: 'the check of the Prometheus metrics', apt: 'prometheus', find: (path) => onPath('promtool', `${path}:/usr/local/bin`) },
  crontab: { for: 'the --install tests on a real user crontab', apt: 'cron', find: (path) => onPath('crontab', path) },
  zsh: { for: 'the zsh completion, run in a real zsh', apt: 'zsh', find: (path) => onPath('zsh', path) },
  strace: { for: 'the count of fsyncs a healthy check makes', apt: 'strace', find: (path) => onPath('strace', path) },
};

export const TOOL_NAMES = Object.keys(TOOLS) as ToolName[];

/** The tools not found with this PATH. */
export function missingTools(path = process.env.PATH ?? ''): ToolName[] {
  return TOOL_NAMES.filter((name) => TOOLS[name].find(path) === null);
}

/** Why the tools cannot be installed here, or null when they can (root, with apt-get on PATH). */
export function cannotInstall(path = process.env.PATH ?? ''): string | null {
  if (process.env.ENSURE_RUNNING_TEST_NO_INSTALL === '1') return 'ENSURE_RUNNING_TEST_NO_INSTALL=1';
  if (process.getuid?.() !== 0) return 'not root';
  if (!onPath('apt-get', path)) return 'no apt-get on PATH';
  return null;
}

const quiet = (command: string, args: string[], cwd?: string) =>
  spawnSync(command, args, { cwd, stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;

/** Installs the missing tools with apt (promtool alone out of Debian's prometheus package, whose server is not wanted). */
function install(names: ToolName[]): void {
  const packages = names.filter((name) => name !== 'promtool').map((name) => TOOLS[name].apt);
  if (!quiet('apt-get', ['update', '-qq'])) return;
  if (packages.length) quiet('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages]);
  if (names.includes('promtool')) {
    const dir = mkdtempSync(join(tmpdir(), 'er-promtool-'));
    try {
      if (!quiet('apt-get', ['download', '-qq', 'prometheus'], dir)) return;
      const deb = readdirSync(dir).find((name) => name.endsWith('.deb'));
      if (!deb) return;
      const tar = spawnSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/bin/promtool', 'sh', join(dir, deb)], { maxBuffer: 512 * 1024 * 1024 });
      if (tar.status !== 0 || tar.stdout.length === 0) return;
      writeFileSync('/usr/local/bin/promtool', tar.stdout);
      chmodSync('/usr/local/bin/promtool', 0o755);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Finds the tools, installs the missing ones when it can, says what is still missing. Returns the exit code. */
export function setUp(say: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): number {
  let missing = missingTools();
  const why = missing.length ? cannotInstall() : null;
  if (missing.length && why === null) {
    say(`test tools: installing ${missing.join(', ')} with apt-get`);
    install(missing);
    missing = missingTools();
  }
  const ci = process.env.CI === '1' || process.env.CI === 'true';
  for (const name of missing) {
    const reason = why ? `not installed (${why}; Debian: apt-get install ${TOOLS[name].apt})` : 'could not be installed with apt-get';
    say(`test tools: ${name} ${reason}: ${ci ? 'CI=1, so the run fails' : 'the tests that need it are skipped'} (${TOOLS[name].for})`);
  }
  return ci && missing.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(setUp());
