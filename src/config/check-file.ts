// `ensure-running --config FILE`: the one crontab line for all the file's programs. Each is
// checked as its own crontab line would be (runCheck: its lock, records, lines, hooks and
// promise), and all of them together: every launch is made, then every start window is
// watched at once, so a file of N programs from cold takes about one start window, not N.
// With `priority`, the programs of the lowest one first, then the next ones (supervisord's
// start order). Their lines are said grouped by program, in the file's order
// (src/config/file-order.ts); a program removed since the last check is reported once.

import { existsSync } from 'node:fs';
import type { ParsedCall } from '../cli/parse.js';
import { renameEntry } from '../os/registry.js';
import type { ProgramConfig } from '../core/program-config.js';
import { hearing, type World } from '../world.js';
import { EXIT } from '../errors.js';
import { giveConfigPromise, PromiseGatherer } from './promise.js';
import type { ConfigFile } from './load.js';
import { FileOrder } from './file-order.js';
import { programError, resolveForCall, worst } from './programs.js';
import { configHome, makeStateDir } from './resolve.js';
import { noteRemoved, rosterPath } from './roster.js';
import { fileBound } from './time-bound.js';
import { programPriority } from './to-call.js';

/** Checks every program together; the exit code is the worst of theirs (2 over 1 over 0). `exit` ends a call past its bound. */
export async function checkFile(config: ConfigFile, call: ParsedCall, world: World, readAtMs: number, exit: (code: number) => void): Promise<number> {
  const { runCheck } = await import('../commands/check.js');
  const pidFiles: Record<string, string> = {};
  const gathered = new PromiseGatherer(readAtMs);
  const heard = hearing({ ...world, promiseBlock: gathered.take });
  const lines = new FileOrder(heard.world, config.programs.length);
  // Resolved in the file's order first: a problem of [defaults] is every program's, said once.
  const said = new Set<string>();
  const resolved: (ProgramConfig | number)[] = [];
  for (const [i, program] of config.programs.entries()) {
    try {
      resolved.push(await resolveForCall(config, program, 'check', call, lines.world(i)));
    } catch (error) {
      resolved.push(programError(program.name, error, lines.world(i), said));
    }
  }
  const checking = new Set(config.programs.map((p) => p.name));
  const programs = resolved.filter((r): r is ProgramConfig => typeof r !== 'number');
  const siblings = new Set(programs.map((p) => p.paths.pidFile));
  const bound = fileBound(heard.world, programs, fileIntervalMs(config, resolved), { unfinished: () => [...checking], flush: () => lines.flush() }, exit);
  const check = async (program: ProgramConfig | number, i: number): Promise<number> => {
    const world = lines.world(i);
    const name = config.programs[i]!.name;
    try {
      if (typeof program === 'number') return program;
      pidFiles[name] = program.paths.pidFile;
      // A program with no records yet may run under a --pid line's records: taken over, not launched beside.
      if (!existsSync(program.paths.stateFile) && !existsSync(program.paths.pidFile))
        await (await import('./take-over.js')).takeOverLine(program, world, siblings);
      else nameInRegistry(program);
      return await runCheck(program, world);
    } catch (error) {
      return programError(name, error, world, said);
    } finally {
      checking.delete(name);
      lines.done(i);
    }
  };
  // By `priority` (lowest first): the programs of one priority together, the next ones once those have ended.
  const priorities = [...new Set(config.programs.map((p) => programPriority(config, p)))].sort((a, b) => a - b);
  let code: number = EXIT.ok;
  for (const priority of priorities) {
    const group = resolved.flatMap((program, i) => (programPriority(config, config.programs[i]!) === priority ? [check(program, i)] : []));
    code = (await Promise.all(group)).reduce(worst, code);
  }
  bound.clear();
  const home = configHome(world, config.file);
  makeStateDir(home.configsDir);
  noteRemoved(
    rosterPath(home.configsDir, home.base),
    config.file,
    config.programs.map((p) => p.name),
    pidFiles,
    heard.world,
  );
  // One promise for the whole call, given only when every program's check was quiet.
  giveConfigPromise(config, world, gathered, code === EXIT.ok && heard.silent(), pidFiles);
  return code;
}

/**
 * The interval the file declares for its line ([defaults] `schedule` or `interval`, or the
 * --schedule the line gives): the cadence of a program that declares none of its own. Null
 * when there is none.
 */
function fileIntervalMs(config: ConfigFile, resolved: (ProgramConfig | number)[]): number | null {
  for (const [i, program] of resolved.entries()) {
    if (typeof program === 'number' || !program.cadence) continue;
    const own = config.programs[i]!.table;
    if (own.schedule === undefined && own.interval === undefined) return program.cadence.periodMs;
  }
  return null;
}

/** The table's name wins in a bare --status and the metrics: a row registered by a --pid line for the same PID file is renamed. */
function nameInRegistry(config: ProgramConfig): void {
  renameEntry(config.registryDir, config.paths.pidFile, config.paths.name);
}
