// `--config FILE` and `--check-config FILE`: every program of a file checked in one call, or
// the named ones acted on. Each program goes through the single-program commands (its own
// lock, records and lines); one program's failure never stops the others, and the call's
// exit code is the worst of theirs.

import type { ParsedCall } from '../cli/parse.js';
import { EXIT, UsageError } from '../errors.js';
import type { World } from '../world.js';
import { join } from 'node:path';
import { configBase, lineOf, loadConfig, problemText, type ConfigFile } from './load.js';
import { configHome, makeStateDir, resolveProgram, stateDir } from './resolve.js';
import { otherFileOfBase, rosterPath } from './roster.js';
import { programBound } from './time-bound.js';

/** What may be given beside --config on the command line: the action, its output flags, --force. */
const CALL_KEYS = new Set([
  'config',
  'check-config',
  'status',
  'stop',
  'start',
  'restart',
  'reload',
  'crontab',
  'install',
  'uninstall',
  'logs',
  'follow',
  'lines',
  'forget',
  'json',
  'history',
  'force',
  // The line --crontab and --install give: the schedule cron calls the file at, recorded by every program that declares none.
  'schedule',
]);

/** Two config files of the same base name would share records, roster and promise: refused (exit 2), naming both. */
function refuseSameBase(config: ConfigFile, world: World): void {
  const home = configHome(world, config.file);
  const other = otherFileOfBase(rosterPath(home.configsDir, home.base), config.file, config.real);
  if (other === null) return;
  throw new UsageError(
    `${config.file} and ${other} are both named ${JSON.stringify(home.base)}, so they would share their records, roster and quiet promise ` +
      `(${join(home.configsDir, home.base)}*): rename one of them (the name without .toml must differ), or remove ${other} if it is no longer used`,
  );
}

/** --check-config FILE: every problem of the file at once (file, line, key); exit 2 when there is one. */
async function checkConfig(path: string, world: World): Promise<number> {
  const config = loadConfig(path, world.cwd);
  const lines = config.problems.map((p) => problemText(config.file, p));
  const byRecords = new Map<string, { name: string; pidFile: string }>();
  for (const program of config.programs) {
    try {
      // As --crontab resolves: every value checked, no records read, nothing written.
      const { paths } = await resolveProgram(config, program, 'crontab', world);
      // One rule for names: `x` and `x.pid` share x.state.json but not a lock.
      const first = byRecords.get(paths.stateFile);
      if (first) {
        lines.push(
          problemText(config.file, {
            line: lineOf(config.lines, `programs.${program.name}`, 'pid') ?? program.line,
            table: `programs.${program.name}`,
            key: 'pid',
            text: `programs ${first.name} and ${program.name} have PID files ${first.pidFile} and ${paths.pidFile}, which name the same records (${paths.stateFile}) but would take different locks: give one of them another pid`,
          }),
        );
      } else byRecords.set(paths.stateFile, { name: program.name, pidFile: paths.pidFile });
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      lines.push(...error.message.split('\n'));
    }
  }
  const unique = [...new Set(lines)];
  if (unique.length === 0) {
    world.say(
      `${config.file}: ${config.programs.length} program${config.programs.length === 1 ? '' : 's'} ` +
        `(${config.programs.map((p) => p.name).join(', ')}), no problems`,
    );
    return EXIT.ok;
  }
  for (const line of unique) world.warn(line);
  world.warn(`${config.file}: ${unique.length} problem${unique.length === 1 ? '' : 's'}`);
  return EXIT.usage;
}

/** The entry of every call with --config or --check-config; `exit` ends a call past its time bound (src/config/time-bound.ts). */
export async function configCall(call: ParsedCall, world: World, exit: (code: number) => void): Promise<number> {
  const other = Object.keys(call.values).find((key) => !CALL_KEYS.has(key));
  if (other) throw new UsageError(`--${other} goes in the file with --config: as key ${JSON.stringify(other)} in [defaults] or in a [programs.NAME] table`);
  if (call.command.length) throw new UsageError('with --config the commands are in the file: put command = [...] in each [programs.NAME] table, not after --');
  const check = call.values['check-config'];
  if (typeof check === 'string') {
    if (typeof call.values.config === 'string' || call.action !== 'check') throw new UsageError('--check-config FILE goes alone');
    return checkConfig(check, world);
  }
  const readAtMs = world.now();
  const config = loadConfig(call.values.config as string, world.cwd);
  refuseSameBase(config, world);
  const readOnly = call.action === 'status' || call.action === 'crontab' || call.action === 'logs' || call.action === 'install' || call.action === 'uninstall';
  if (!readOnly) {
    // Before anything acts: the front door must not answer from a promise of records being changed.
    const { dropConfigPromise } = await import('./promise.js');
    dropConfigPromise(world, config.file);
  }
  if (config.problems.length) {
    for (const problem of config.problems) world.warn(problemText(config.file, problem));
    return EXIT.usage;
  }
  if (!readOnly) makeStateDir(stateDir(config, world));
  if (call.names?.length && (call.action === 'check' || call.action === 'crontab' || call.action === 'install' || call.action === 'uninstall')) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(call.names[0])}: names go with --status, --stop, --start, --restart, --reload, --logs or --forget`,
    );
  }
  switch (call.action) {
    case 'check': {
      const { checkFile } = await import('./check-file.js');
      return checkFile(config, call, world, readAtMs, exit);
    }
    case 'status': {
      const { statusByName } = await import('./by-name.js');
      return statusByName(config, call, world);
    }
    case 'stop':
    case 'start':
    case 'restart':
    case 'reload': {
      const { actByName } = await import('./by-name.js');
      return actByName(config, call, world, programBound(world, `--${call.action}`, exit));
    }
    case 'crontab': {
      const { crontabForFile } = await import('./crontab.js');
      return crontabForFile(config, world);
    }
    case 'install':
    case 'uninstall': {
      const [{ crontabEntryForFile }, { installCommand, uninstallCommand }, { quoteArgv }] = await Promise.all([
        import('./crontab.js'),
        import('../commands/install.js'),
        import('../core/shell-quote.js'),
      ]);
      const target = { key: `--config ${quoteArgv([config.file])}`, name: configBase(config.file) };
      // Quiet for --uninstall: a program that no longer resolves does not stop the removal.
      const entry = await crontabEntryForFile(config, call.action === 'uninstall' ? { ...world, warn: () => {}, say: () => {} } : world);
      // --uninstall also finds the file's line pasted by hand (without the marker), when the file's programs still resolve.
      if (call.action === 'uninstall') return uninstallCommand(target, world, 'code' in entry ? undefined : entry);
      return 'code' in entry ? entry.code : installCommand(target, entry, world);
    }
    case 'logs': {
      const { logsByName } = await import('./logs.js');
      return logsByName(config, call, world);
    }
    case 'forget': {
      const { forgetByName } = await import('./forget.js');
      return forgetByName(config, call, world, programBound(world, '--forget', exit));
    }
    default:
      throw new UsageError(`--${call.action} does not go with --config`);
  }
}
