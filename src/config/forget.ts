// --config FILE --forget NAME...: each named program's records removed (stopped first with --stop).

import type { ParsedCall } from '../cli/parse.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import type { ConfigFile } from './load.js';
import { eachProgram, namedPrograms } from './programs.js';

/** Forgets the named programs in turn, each under its own lock; the worst exit code. A program still in the file is checked again by the next check. */
export async function forgetByName(config: ConfigFile, call: ParsedCall, world: World, bound: { start(config: ProgramConfig): void }): Promise<number> {
  const { forgetCommand } = await import('../commands/forget.js');
  return eachProgram(
    config,
    namedPrograms(config, call, true),
    'forget',
    call,
    world,
    async (resolved) => {
      const code = await forgetCommand(resolved, call.values.stop === true, world);
      if (code === 0)
        world.say(
          `${resolved.paths.name}: still has its table in ${config.file}: the next check of the file launches it again (remove the table to keep it away)`,
        );
      return code;
    },
    bound,
  );
}
