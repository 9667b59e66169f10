// --config FILE --logs [NAME...]: every program's log (or the named ones'), merged, each line
// prefixed with the program's name; --follow keeps reading across rotations.

import type { ParsedCall } from '../cli/parse.js';
import type { World } from '../world.js';
import type { LogsOf } from '../commands/logs.js';
import { EXIT } from '../errors.js';
import type { ConfigFile } from './load.js';
import { eachProgram, namedPrograms } from './programs.js';

/** The logs of the named programs (all when none is named); exit 2 when a program's table cannot be resolved. */
export async function logsByName(config: ConfigFile, call: ParsedCall, world: World): Promise<number> {
  const { logsCommand, logsFlags } = await import('../commands/logs.js');
  const programs: LogsOf[] = [];
  const code = await eachProgram(config, namedPrograms(config, call, false), 'logs', call, world, async (resolved) => {
    programs.push({ name: resolved.paths.name, stateFile: resolved.paths.stateFile, stdout: resolved.stdout, stderr: resolved.stderr });
    return EXIT.ok;
  });
  if (programs.length === 0) return code;
  return Math.max(code, await logsCommand(programs, logsFlags(call), world, true));
}
