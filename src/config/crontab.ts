// --crontab --config FILE: the one crontab line that checks every program of the file.

import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expandAlias } from '../core/cron-text.js';
import { quoteArgv } from '../core/shell-quote.js';
import { cronPath, escapePercent, scheduleForInterval } from '../commands/crontab.js';
import { resolveCommand } from '../os/launch.js';
import type { World } from '../world.js';
import { EXIT } from '../errors.js';
import type { ConfigFile } from './load.js';
import { eachProgram } from './programs.js';
import { optionValue } from '../cli/option-values.js';
import { parseDurationMs } from '../core/duration.js';

/**
 * Prints one comment per program (where its command resolves) and the line. The schedule
 * comes from [defaults] (`schedule`, else `interval`), every minute otherwise. Exit 2 when a
 * program's command does not resolve under the line's PATH (said with its name).
 */
export async function crontabForFile(config: ConfigFile, world: World): Promise<number> {
  const node = process.execPath;
  const cli = realpathSync(resolve(world.cwd, process.argv[1] ?? ''));
  const door = join(dirname(dirname(cli)), 'bin', 'ensure-running');
  const caller = existsSync(door) ? [door] : [node, cli];
  const dirs = new Set<string>();
  const comments: string[] = [];
  const code = await eachProgram(config, config.programs, 'crontab', { action: 'crontab', values: {}, command: [] }, world, async (resolved) => {
    const command = resolved.request.command[0]!;
    if (!command.includes('/')) dirs.add(dirname(resolveCommand(command, resolved.request.cwd, world.env.PATH)));
    comments.push(`# ${resolved.paths.name}: ${command} (in ${resolved.request.cwd}); output goes to ${resolved.stdout}`);
    return EXIT.ok;
  });
  if (code !== EXIT.ok) return code;
  const path = [
    ...new Set(
      cronPath(dirname(node), null)
        .split(':')
        .flatMap((dir, i) => (i === 0 ? [dir, ...dirs] : [dir])),
    ),
  ].join(':');
  const schedule = config.defaults.schedule;
  const interval = config.defaults.interval;
  const periodMs =
    typeof interval === 'string' || typeof interval === 'number'
      ? (parseDurationMs(String(interval)) ?? optionValue({}, 'interval'))
      : optionValue({}, 'interval');
  const when = typeof schedule === 'string' ? expandAlias(schedule) : scheduleForInterval(periodMs);
  for (const line of comments) world.say(line);
  world.say(escapePercent(`${when} PATH=${quoteArgv([path])} ${quoteArgv([...caller, '--config', config.file])}`));
  return EXIT.ok;
}
