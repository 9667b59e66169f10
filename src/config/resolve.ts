// Each program of a file resolved as the command line's call is (src/cli/settings.ts), with
// the same checks; an error of that resolution is said again with the file, line and key.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installedCommand } from '../cli/respawn-settings.js';
import { resolveConfig } from '../cli/settings.js';
import { OptionError } from '../cli/option-kinds.js';
import type { ParsedCall } from '../cli/parse.js';
import { quoteArgv } from '../core/shell-quote.js';
import { registryDir } from '../core/paths.js';
import { RunError, UsageError } from '../errors.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { configBase, lineOf, problemText, type ConfigFile, type ConfigProblem, type ConfigProgram } from './load.js';
import { mergedTable, programCall, stateDirOf } from './to-call.js';

/** Where a file's records go by default: `$ENSURE_RUNNING_HOME/configs/<base>/` (the registry's directory, the caller's own). */
export function configHome(world: World, file: string): { configsDir: string; stateDir: string; base: string } {
  const configsDir = join(registryDir(world.env, world.home), 'configs');
  const base = configBase(file);
  return { configsDir, stateDir: join(configsDir, base), base };
}

/** The state directory of this file's programs (see configHome; `state-dir` in [defaults] replaces it). */
export function stateDir(config: ConfigFile, world: World): string {
  return stateDirOf(config, configHome(world, config.file).stateDir);
}

/** Creates the state directory (mode 700: a directory no one else can write, where a quiet promise may be given). */
export function makeStateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new RunError({
      action: 'create the state directory',
      subject: dir,
      code: (error as NodeJS.ErrnoException).code,
      hint: 'set state-dir in [defaults] to a directory you can write',
    });
  }
}

/**
 * The problem of a resolution error: an OptionError names its option (src/cli/option-kinds.ts);
 * other refusals are matched by the first `--option` their message names that the table sets.
 */
function resolutionProblem(config: ConfigFile, program: ConfigProgram, error: UsageError): ConfigProblem {
  const merged = mergedTable(config, program);
  const own = `programs.${program.name}`;
  const message = error.message;
  const named =
    error instanceof OptionError && merged.has(error.option)
      ? error.option
      : [...message.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]!).find((key) => merged.has(key));
  if (named) {
    const { table } = merged.get(named)!;
    const text =
      error instanceof OptionError && error.option === named
        ? `${JSON.stringify(error.value)} ${error.problem}`
        : message.startsWith(`--${named} `)
          ? message.slice(named.length + 3)
          : message;
    return { line: lineOf(config.lines, table, named), table, key: named, text };
  }
  const key = /command|after --/.test(message) ? 'command' : null;
  return { line: lineOf(config.lines, own, key ?? undefined) ?? program.line, table: own, key, text: message };
}

/** A program's ProgramConfig for `action`; the problems of its table throw one UsageError listing them all, each once. */
export async function resolveProgram(
  config: ConfigFile,
  program: ConfigProgram,
  action: ParsedCall['action'],
  world: World,
  extra: ParsedCall['values'] = {},
): Promise<ProgramConfig> {
  const { call, problems } = programCall(config, program, action, stateDir(config, world));
  // Relative paths and the default working directory are the file's directory.
  const here: World = { ...world, cwd: config.dir };
  let resolved: ProgramConfig | null = null;
  // Resolved even when some keys have the wrong type (they are left out), so that a bad value
  // beside them is reported too; a key refused here is left out in turn and the rest resolved
  // again, so that every bad value of the table is reported at once.
  let values: ParsedCall['values'] = { ...call.values, ...extra };
  const dropped: string[] = [];
  const rounds = Object.keys(values).length + 1;
  for (let round = 0; round < rounds && !resolved; round++) {
    try {
      resolved = await resolveConfig({ ...call, values }, here, {
        schedules: action !== 'status' && action !== 'stop' && action !== 'reload',
        base: config.dir,
      });
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      const problem = resolutionProblem(config, program, error);
      // A refusal that names a key already left out ("--heartbeat-timeout needs --heartbeat") follows from that one.
      const follows = dropped.some((key) => error.message.includes(`--${key}`));
      if (!follows && !problems.some((p) => p.key === problem.key)) problems.push(problem);
      const key = problem.key as keyof ParsedCall['values'] | null;
      if (key === null || !(key in values)) break;
      dropped.push(key);
      const { [key]: _left, ...rest } = values;
      values = rest;
    }
  }
  if (problems.length || !resolved) throw new UsageError(problems.map((p) => problemText(config.file, p)).join('\n'));
  // Lines and hints name the program as the file does, and the calls that act on it by name.
  const by = (verb: string) => `ensure-running --config ${quoteArgv([config.file])} --${verb} ${program.name}`;
  // --respawn: the waiter runs the file's check, as cron does, from the caller's directory.
  const args = action === 'check' && world.argv ? world.argv : ['--config', resolve(world.cwd, config.file)];
  const respawn = resolved.respawn ? { respawn: { check: [...installedCommand(world), ...args], dir: world.cwd } } : {};
  return {
    ...resolved,
    ...respawn,
    paths: { ...resolved.paths, name: program.name },
    policy: { ...resolved.policy, name: program.name, startHint: by('start'), restartHint: by('restart') },
  };
}
