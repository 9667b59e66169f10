// The entry point: parse, dispatch, and the one place that turns outcomes into exit codes.

import { parseCall, type ParsedCall } from './parse.js';
import { resolveConfig } from './settings.js';
import { realWorld, type World } from '../world.js';
import { appendRecord } from '../os/door.js';
import { ConfigError, EXIT, RunError, UsageError } from '../errors.js';
import { armTimeLimit } from './time-limit.js';
import { notUtf8 } from '../os/raw-argv.js';
import { quoteArgv } from '../core/shell-quote.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { StatusFlags } from '../commands/status.js';

declare const ENSURE_RUNNING_VERSION: string;
/** Injected by the bundler from package.json; "dev" when run from source. */
export const VERSION = typeof ENSURE_RUNNING_VERSION === 'string' ? ENSURE_RUNNING_VERSION : 'dev';

/** The configuration for a call that may act: cron expressions checked (cron-parser loaded only when one is given). */
async function actingConfig(call: ParsedCall, world: World): Promise<ProgramConfig> {
  const config = await resolveConfig(call, world, { schedules: true });
  // --lease: the store's client is loaded before the lock is taken, so that compiling it never holds the lock.
  if (config.lease) await (await import('../lease/lease.js')).loadEngine(config.lease);
  return config;
}

/** Arms the overall time bound of a call that may act (src/cli/time-limit.ts); returns the config unchanged. */
function bounded(config: ProgramConfig, what: string, world: World): ProgramConfig {
  // The one exit outside the top-level catch: a call past its bound must end even if its promise never settles.
  armTimeLimit(config, what, world, (code) => process.exit(code));
  return config;
}

/** --json, --history and --format as status flags; --format json is --json. */
function statusFlags(call: ParsedCall): StatusFlags {
  const format = call.values.format ?? (call.values.json === true ? 'json' : 'text');
  if (format !== 'text' && format !== 'json' && format !== 'prometheus')
    throw new UsageError(`--format ${String(format)} is not a status format: use text, json or prometheus`);
  if (call.values.json === true && format !== 'json') throw new UsageError(`--json and --format ${format} disagree; give one of them`);
  if (call.values.history === true && format === 'prometheus')
    throw new UsageError('--history has no place in --format prometheus (metrics carry no event list); drop one of them');
  return { json: format === 'json', history: call.values.history === true, prometheus: format === 'prometheus' };
}

async function dispatch(call: ParsedCall, world: World): Promise<number> {
  const fileCall = typeof call.values.config === 'string' || typeof call.values['check-config'] === 'string';
  if (fileCall && call.action !== 'help' && call.action !== 'version' && call.action !== 'completion') {
    // Many programs from one file (src/config/), loaded only when asked for.
    const { configCall } = await import('../config/call.js');
    return configCall(call, world, (code) => process.exit(code));
  }
  switch (call.action) {
    case 'help': {
      const { printHelp } = await import('./help.js');
      printHelp(VERSION, call.values['help-all'] === true);
      return EXIT.ok;
    }
    case 'completion': {
      const { completionScript } = await import('./completion.js');
      world.say(completionScript(String(call.values.completion)).trimEnd());
      return EXIT.ok;
    }
    case 'version':
      world.say(VERSION);
      return EXIT.ok;
    case 'check': {
      const { runCheck } = await import('../commands/check.js');
      return runCheck(bounded(await actingConfig(call, world), 'the check', world), world);
    }
    case 'status': {
      const { statusOne, statusAll } = await import('../commands/status.js');
      const flags = statusFlags(call);
      // --output FILE: the same lines, written to FILE atomically once the status is complete.
      const output = typeof call.values.output === 'string' ? (await import('../notify/output-file.js')).toOutputFile(world, call.values.output) : null;
      const seen = output ? output.world : world;
      let code: number;
      if (typeof call.values.pid !== 'string') {
        const { registryDir, programPaths } = await import('../core/paths.js');
        code = await statusAll(registryDir(world.env, world.home), flags, seen, (pidFile) => programPaths(pidFile, world.cwd));
      } else code = await statusOne((await resolveConfig(call, world, { schedules: false })).paths, flags, seen);
      output?.write();
      return code;
    }
    case 'stop': {
      const { stopCommand } = await import('../commands/stop.js');
      return stopCommand(bounded(await resolveConfig(call, world, { schedules: false }), '--stop', world), world);
    }
    case 'start': {
      const { startCommand } = await import('../commands/stop.js');
      return startCommand(bounded(await actingConfig(call, world), '--start', world), world);
    }
    case 'restart': {
      const { restartCommand } = await import('../commands/stop.js');
      return restartCommand(bounded(await actingConfig(call, world), '--restart', world), world);
    }
    case 'reload': {
      const { reloadCommand } = await import('../commands/reload.js');
      return reloadCommand(bounded(await resolveConfig(call, world, { schedules: false }), '--reload', world), world);
    }
    case 'release': {
      const { releaseCommand } = await import('../commands/release.js');
      return releaseCommand(bounded(await actingConfig(call, world), '--release', world), world);
    }
    case 'crontab': {
      const { crontabCommand } = await import('../commands/crontab.js');
      return crontabCommand(call, await actingConfig(call, world), world);
    }
    case 'install': {
      const [{ crontabEntry }, { installCommand }] = await Promise.all([import('../commands/crontab.js'), import('../commands/install.js')]);
      // Root with --user NAME: the line goes into NAME's crontab and runs as NAME, so it carries no --user.
      const user = installUser(call);
      const own = user ? { ...call, values: Object.fromEntries(Object.entries(call.values).filter(([key]) => key !== 'user')) } : call;
      const config = await actingConfig(own, world);
      const target = { key: `--pid ${quoteArgv([config.paths.pidFile])}`, name: config.paths.name, ...(user ? { user } : {}) };
      return installCommand(target, crontabEntry(own, config, world), world);
    }
    case 'uninstall': {
      const [{ uninstallCommand }, { crontabEntry }] = await Promise.all([import('../commands/install.js'), import('../commands/crontab.js')]);
      const user = installUser(call);
      // With the command (the options of the line): the line --crontab prints, pasted by hand, is found too.
      const own = user ? { ...call, values: Object.fromEntries(Object.entries(call.values).filter(([key]) => key !== 'user')) } : call;
      const withCommand = call.command.length > 0;
      const config = withCommand ? await actingConfig({ ...own, action: 'crontab' }, world) : await resolveConfig(call, world, { schedules: false });
      const target = { key: `--pid ${quoteArgv([config.paths.pidFile])}`, name: config.paths.name, ...(user ? { user } : {}) };
      return uninstallCommand(target, world, withCommand ? crontabEntry(own, config, world) : undefined);
    }
    case 'logs': {
      const { logsCommand, logsFlags } = await import('../commands/logs.js');
      const config = await resolveConfig(call, world, { schedules: false });
      const { name, stateFile } = config.paths;
      return logsCommand([{ name, stateFile, stdout: config.stdout, stderr: config.stderr }], logsFlags(call), world, false);
    }
    case 'forget': {
      const { forgetCommand } = await import('../commands/forget.js');
      return forgetCommand(bounded(await resolveConfig(call, world, { schedules: false }), '--forget', world), call.values.stop === true, world);
    }
  }
}

/** --install or --uninstall by root with --user NAME: the crontab of NAME (a group cannot be given there). */
function installUser(call: ParsedCall): string | null {
  const user = call.values.user;
  if (typeof user !== 'string' || process.getuid?.() !== 0) return null;
  if (user.includes(':'))
    throw new UsageError(`--${call.action} --user ${user}: the line goes into the crontab of a user and runs with that user's groups; give --user NAME alone`);
  return user;
}

/** What a bare `ensure-running` says: the two ways in, and where to read more (exit 2). */
export const SHORT_USAGE = [
  'ensure-running: nothing to do; give a PID file and a command, or a config file:',
  '  ensure-running --pid FILE -- COMMAND [ARGS...]   keep one program running (a check, as cron runs it)',
  '  ensure-running --config FILE                     keep every program of a TOML file running',
  '  ensure-running --status                          every program this user guards',
  '  ensure-running --help                            the common calls and options',
].join('\n');

/** An argument that is not valid UTF-8 would reach the program changed (U+FFFD): refused, exit 2. */
function refuseNotUtf8(args: string[]): void {
  const at = notUtf8(args);
  if (at === null) return;
  throw new UsageError(
    `argument ${at + 1} (${JSON.stringify(args[at])}, as Node reads it) is not valid UTF-8, and Node cannot pass it on unchanged: ` +
      'give it in UTF-8, or put it in a script that the command runs',
  );
}

/**
 * A check run by a waiter (--respawn) has no cron to mail what it says: its lines are kept
 * beside the program's records, and the next check cron runs says them once (src/commands/check.ts).
 */
function keptByWaiter(world: World): World {
  const kept = world.env.ENSURE_RUNNING_KEEP;
  const respawned = world.env.ENSURE_RUNNING_RESPAWNED === '1';
  // Said once, to this call: nothing it starts (a hook, a launch) inherits them.
  const env = { ...world.env };
  for (const name of ['ENSURE_RUNNING_KEEP', 'ENSURE_RUNNING_RESPAWNED']) {
    delete env[name];
    delete process.env[name];
  }
  if (!respawned) return { ...world, env };
  if (!kept?.startsWith('/')) return { ...world, env, respawned };
  const keep = (line: string) => {
    try {
      appendRecord(kept, `${line}\n`, 'kept lines file');
    } catch {
      world.warn(line);
    }
  };
  return { ...world, env, respawned: true, warn: keep, say: keep };
}

/** Runs one call and returns its exit code; errors become one line on stderr. */
export async function main(args: string[], world: World = keptByWaiter(realWorld())): Promise<number> {
  let action: ParsedCall['action'] = 'check';
  try {
    if (args.length === 0) {
      world.warn(SHORT_USAGE);
      return EXIT.usage;
    }
    refuseNotUtf8(args);
    const call = parseCall(args);
    action = call.action;
    return await dispatch(call, world);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      if (!(error instanceof ConfigError && error.quiet)) world.warn(`ensure-running: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof RunError) {
      world.warn(`ensure-running: ${error.message}`);
      return action === 'status' ? EXIT.unknown : EXIT.notRunning;
    }
    world.warn(`ensure-running: internal error, please report it with this text:\n${(error as Error)?.stack ?? String(error)}`);
    return action === 'status' ? EXIT.unknown : EXIT.notRunning;
  }
}
