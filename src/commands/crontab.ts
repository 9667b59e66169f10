// --crontab: prints a ready-to-paste crontab line for the given options. cron runs jobs with
// PATH=/usr/bin:/bin and HOME as the directory, so every path in the line is absolute, the
// installed command is named by absolute path, and PATH is set to one that finds node and the command.

import type { LeaseOptions } from '../core/lease-record.js';
import { withoutPassword } from '../cli/lease-settings.js';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { expandAlias } from '../core/cron-text.js';
import { quoteArgv } from '../core/shell-quote.js';
import { OPTIONS, isPathOption, pathOptions, type OptionName } from '../cli/options.js';
import type { ParsedCall } from '../cli/parse.js';
import { EXIT, UsageError } from '../errors.js';
import { resolveCommand } from '../os/launch.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';

/** Options that make no sense in a crontab line. */
const LEFT_OUT = new Set<string>(['crontab', 'install', 'uninstall', 'json', 'history', 'status', 'stop', 'start', 'restart', 'help', 'version']);
/** Path options always written, from the resolved configuration. */
const ALWAYS = new Set<string>(['pid', 'cwd', 'log', 'stdout', 'stderr']);

/** The directories of the PATH put in the line: node's, the command's, then the usual system ones. */
export function cronPath(nodeDir: string, commandDir: string | null): string {
  const dirs = [nodeDir, ...(commandDir ? [commandDir] : []), '/usr/local/bin', '/usr/bin', '/bin'];
  return [...new Set(dirs)].join(delimiter);
}

/** The cron schedule that calls the check every `periodMs` (--interval), when cron can express it. */
export function scheduleForInterval(periodMs: number): string {
  const minutes = periodMs / 60_000;
  if (minutes === 1) return '* * * * *';
  if (Number.isInteger(minutes) && minutes < 60 && 60 % minutes === 0) return `*/${minutes} * * * *`;
  const hours = periodMs / 3_600_000;
  if (hours === 1) return '0 * * * *';
  if (Number.isInteger(hours) && hours < 24 && 24 % hours === 0) return `0 */${hours} * * *`;
  throw new UsageError(
    `--interval of ${periodMs / 1000}s has no exact cron schedule (cron counts whole ` +
      `minutes that divide an hour, or hours that divide a day); give --schedule CRON instead`,
  );
}

/** cron turns an unescaped % into a newline: escape it. */
export function escapePercent(text: string): string {
  return text.replaceAll('%', '\\%');
}

/** The options of the call as CLI arguments, with every path made absolute. */
function ownArgs(call: ParsedCall, config: ProgramConfig, world: World): string[] {
  const args = ['--pid', config.paths.pidFile, '--cwd', config.request.cwd];
  if (typeof call.values.stdout === 'string' || typeof call.values.stderr === 'string') args.push('--stdout', config.stdout, '--stderr', config.stderr);
  else args.push('--log', config.stdout);
  // Every other path option of the table, made absolute (the call's directory is not cron's).
  for (const name of pathOptions()) {
    const value = call.values[name as OptionName];
    if (!ALWAYS.has(name) && typeof value === 'string') args.push(`--${name}`, resolve(config.request.base ?? world.cwd, value));
  }
  for (const [name, value] of Object.entries(call.values) as [OptionName, string | boolean | string[]][]) {
    if (LEFT_OUT.has(name) || isPathOption(name) || !(name in OPTIONS)) continue;
    if (Array.isArray(value)) for (const item of value) args.push(`--${name}`, item);
    // A password is never printed: the line goes into a crontab and cron's mails.
    else if (name === 'lease' && typeof value === 'string') args.push(`--${name}`, withoutPassword(value));
    else if (typeof value === 'string') args.push(`--${name}`, value);
    else if (value) args.push(`--${name}`);
  }
  return args;
}

/** The crontab entry of a call: comments (where the command resolves, notes) and the line itself, % escaped. */
export interface CrontabEntry {
  comments: string[];
  line: string;
}

/**
 * The entry for one program; a ConfigError (exit 2) when the command does not resolve under
 * the line's PATH. The line records its own schedule (--schedule, unless --schedule or
 * --interval is given), so that --status sees when cron stops calling it.
 */
export function crontabEntry(call: ParsedCall, config: ProgramConfig, world: World): CrontabEntry {
  const node = process.execPath;
  const cli = realpathSync(resolve(world.cwd, process.argv[1] ?? ''));
  // The installed command (the shell front door beside the bundle), which answers a healthy
  // check without starting node; node and the bundle by name only where it is missing.
  const door = join(dirname(dirname(cli)), 'bin', 'ensure-running');
  const caller = existsSync(door) ? [door] : [node, cli];
  const command = config.request.command[0]!;
  let commandDir: string | null = null;
  if (!command.includes('/')) commandDir = dirname(resolveCommand(command, config.request.cwd, world.env.PATH));
  const path = cronPath(dirname(node), commandDir);
  const resolved = resolveCommand(command, config.request.cwd, path);
  const schedule = expandAlias(config.cadence?.schedule ?? scheduleForInterval(config.policy.periodMs));
  const own = ownArgs(call, config, world);
  if (!config.cadence) own.push('--schedule', schedule);
  // PGPASSFILE as the call had it: cron's environment would not name the file.
  const pgpass =
    config.lease && !config.lease.passwordFile && isPostgres(config.lease.url) && world.env.PGPASSFILE
      ? ` PGPASSFILE=${quoteArgv([resolve(world.cwd, world.env.PGPASSFILE)])}`
      : '';
  const line = `${schedule} PATH=${quoteArgv([path])}${pgpass} ${quoteArgv([...caller, ...own, '--', ...config.request.command])}`;
  const comments = [`# ${config.paths.name}: ${command} resolves to ${resolved} under this PATH; output goes to ${config.stdout}`];
  if (config.cadence?.tz)
    comments.push(
      `# the schedule is in ${config.cadence.tz}: cron reads the five fields in its own zone (cronie: put CRON_TZ=${config.cadence.tz} above this line)`,
    );
  const lease = config.lease;
  if (lease) comments.push(...passwordNotes(lease, world.env));
  return { comments, line: escapePercent(line) };
}

const isPostgres = (url: string): boolean => /^postgres(ql)?:$/.test(new URL(url).protocol);

/**
 * What the line needs to log in to the store, when the call's password would not reach cron:
 * one given in the URL (left out of the line) or in an environment variable cron does not have.
 */
function passwordNotes(lease: LeaseOptions, env: NodeJS.ProcessEnv): string[] {
  if (lease.passwordFile) return [];
  const pg = isPostgres(lease.url);
  const where = pg
    ? 'put it in ~/.pgpass (mode 0600), or in a file of mode 0600 named by --lease-password-file FILE added to this line'
    : 'put it in a file of mode 0600 and add --lease-password-file FILE to this line';
  if (new URL(lease.url).password !== '')
    return [`# the password of --lease is left out of this line (a crontab and the mails of cron are read by others): ${where}`];
  const variable = pg ? (env.PGPASSWORD ? 'PGPASSWORD' : null) : env.REDISCLI_AUTH ? 'REDISCLI_AUTH' : null;
  if (variable) return [`# ${variable} is not in this line (a crontab is read by others, and cron does not have it): ${where}`];
  return [];
}

/** Prints the comments and the crontab line; exit 2 (ConfigError from resolveCommand) when the command does not resolve under that PATH. */
export function crontabCommand(call: ParsedCall, config: ProgramConfig, world: World): number {
  const entry = crontabEntry(call, config, world);
  for (const comment of entry.comments) world.say(comment);
  world.say(entry.line);
  return EXIT.ok;
}
