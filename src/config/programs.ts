// The programs of a file that one call acts on, each in turn under its own lock: one
// program's failure is said as the single-program call would say it and never stops the
// others; the call's exit code is the worst of theirs.

import type { ParsedCall } from '../cli/parse.js';
import { ConfigError, EXIT, RunError, UsageError } from '../errors.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import type { ConfigFile, ConfigProgram } from './load.js';
import { resolveProgram } from './resolve.js';
import { mergedTable } from './to-call.js';

/** The worst of two exit codes: usage (2) over not running (1) over ok (0). */
export const worst = (a: number, b: number): number => Math.max(a, b);

/**
 * One program's error, said as the single-program call would say it, prefixed by its name;
 * its exit code. A problem of [defaults] is every program's: `said` keeps it to one line.
 */
export function programError(name: string, error: unknown, world: World, said = new Set<string>()): number {
  if (error instanceof UsageError) {
    for (const line of error.message.split('\n')) {
      if (!said.has(line)) world.warn(`ensure-running: ${line}`);
      said.add(line);
    }
    return EXIT.usage;
  }
  if (error instanceof ConfigError) {
    if (!error.quiet) world.warn(`ensure-running: ${name}: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof RunError) {
    world.warn(`ensure-running: ${name}: ${error.message}`);
    return EXIT.notRunning;
  }
  world.warn(`ensure-running: ${name}: internal error, please report it with this text:\n${(error as Error)?.stack ?? String(error)}`);
  return EXIT.notRunning;
}

/** The programs a by-name call acts on: all of them when none is named (for --status), else the named ones, each known. */
export function namedPrograms(config: ConfigFile, call: ParsedCall, needNames: boolean): ConfigProgram[] {
  const names = call.names ?? [];
  if (names.length === 0) {
    if (needNames)
      throw new UsageError(
        `--${call.action} needs the names of the programs: ensure-running --config ` +
          `${config.file} --${call.action} ${config.programs.map((p) => p.name).join(' ')}`,
      );
    return config.programs;
  }
  const unknown = names.filter((name) => !config.programs.some((p) => p.name === name));
  if (unknown.length)
    throw new UsageError(
      `no program ${unknown.map((n) => JSON.stringify(n)).join(', ')} in ${config.file}; its programs are: ${config.programs.map((p) => p.name).join(', ')}`,
    );
  return [...new Set(names)].map((name) => config.programs.find((p) => p.name === name)!);
}

/** A program resolved for `action` with what the command line adds: --force, and --schedule for a program that declares no cadence. */
export function resolveForCall(
  config: ConfigFile,
  program: ConfigProgram,
  action: ParsedCall['action'],
  call: ParsedCall,
  world: World,
): Promise<ProgramConfig> {
  const extra: ParsedCall['values'] = call.values.force === true ? { force: true } : {};
  // --schedule beside --config (the line --crontab gives): recorded by every program that declares no cadence of its own.
  const merged = mergedTable(config, program);
  const own = typeof call.values.schedule === 'string' && !merged.has('schedule') && !merged.has('interval') ? { schedule: call.values.schedule } : {};
  return resolveProgram(config, program, action, world, { ...extra, ...own });
}

/** Runs `act` for each program in turn, each under its own lock; errors are said and counted, never stop the rest. */
export async function eachProgram(
  config: ConfigFile,
  programs: ConfigProgram[],
  action: ParsedCall['action'],
  call: ParsedCall,
  world: World,
  act: (resolved: ProgramConfig) => Promise<number>,
  bound?: { start(config: ProgramConfig): void },
): Promise<number> {
  let code: number = EXIT.ok;
  const said = new Set<string>();
  for (const program of programs) {
    try {
      const resolved = await resolveForCall(config, program, action, call, world);
      bound?.start(resolved);
      code = worst(code, await act(resolved));
    } catch (error) {
      code = worst(code, programError(program.name, error, world, said));
    }
  }
  return code;
}
