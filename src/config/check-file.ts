// `ensure-running --config FILE`: the one crontab line for all the file's programs. Each is
// checked as its own crontab line would be (runCheck: its lock, records and lines), in the
// file's order; a program removed since the last check is reported once.

import { existsSync } from 'node:fs';
import type { ParsedCall } from '../cli/parse.js';
import { renameEntry } from '../os/registry.js';
import type { ProgramConfig } from '../core/program-config.js';
import { hearing, type World } from '../world.js';
import { EXIT } from '../errors.js';
import { giveConfigPromise, PromiseGatherer } from './promise.js';
import type { ConfigFile } from './load.js';
import { eachProgram } from './programs.js';
import { configHome, makeStateDir } from './resolve.js';
import { noteRemoved, rosterPath } from './roster.js';

/** Checks every program; the exit code is the worst of theirs (2 over 1 over 0). */
export async function checkFile(
  config: ConfigFile,
  call: ParsedCall,
  world: World,
  readAtMs: number,
  bound: { start(config: ProgramConfig): void },
): Promise<number> {
  const { runCheck } = await import('../commands/check.js');
  const pidFiles: Record<string, string> = {};
  const gathered = new PromiseGatherer(readAtMs);
  const heard = hearing({ ...world, promiseBlock: gathered.take });
  const code = await eachProgram(
    config,
    config.programs,
    'check',
    call,
    heard.world,
    async (resolved) => {
      pidFiles[resolved.paths.name] = resolved.paths.pidFile;
      // A program with no records yet may run under a --pid line's records: taken over, not launched beside.
      if (!existsSync(resolved.paths.stateFile) && !existsSync(resolved.paths.pidFile))
        await (await import('./take-over.js')).takeOverLine(resolved, heard.world);
      else nameInRegistry(resolved);
      return runCheck(resolved, heard.world);
    },
    bound,
  );
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
  giveConfigPromise(config, world, gathered, code === EXIT.ok && heard.silent());
  return code;
}

/** The table's name wins in a bare --status and the metrics: a row registered by a --pid line for the same PID file is renamed. */
function nameInRegistry(config: ProgramConfig): void {
  renameEntry(config.registryDir, config.paths.pidFile, config.paths.name);
}
