// --crontab --config FILE: the one crontab line that checks every program of the file.

import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expandAlias } from '../core/cron-text.js';
import { quoteArgv } from '../core/shell-quote.js';
import { cronPath, escapePercent, scheduleForInterval, type CrontabEntry } from '../commands/crontab.js';
import { resolveCommand } from '../os/launch.js';
import type { World } from '../world.js';
import { EXIT } from '../errors.js';
import type { ConfigFile } from './load.js';
import { eachProgram } from './programs.js';
import { optionValue } from '../cli/option-values.js';
import { parseDurationMs } from '../core/duration.js';

/**
 * The entry of a file: one comment per program (where its command resolves) and the line. The
 * schedule comes from [defaults] (`schedule`, else `interval`), every minute otherwise; without
 * either, the line gives --schedule so that every program records it and --status sees when
 * cron stops calling. Null (exit 2 said) when a program's command does not resolve under the
 * line's PATH (said with its name).
 */
export async function crontabEntryForFile(config: ConfigFile, world: World): Promise<CrontabEntry | { code: number }> {
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
  if (code !== EXIT.ok) return { code };
  const path = [
    ...new Set(
      cronPath(dirname(node), null)
        .split(':')
        .flatMap((dir, i) => (i === 0 ? [dir, ...dirs] : [dir])),
    ),
  ].join(':');
  const schedule = config.defaults.schedule;
  const interval = config.defaults.interval;
  const declared = typeof interval === 'string' || typeof interval === 'number';
  const periodMs = declared ? (parseDurationMs(String(interval)) ?? optionValue({}, 'interval')) : optionValue({}, 'interval');
  const when = typeof schedule === 'string' ? expandAlias(schedule) : scheduleForInterval(periodMs);
  const watched = typeof schedule === 'string' || declared ? [] : ['--schedule', when];
  return { comments, line: escapePercent(`${when} PATH=${quoteArgv([path])} ${quoteArgv([...caller, '--config', config.file, ...watched])}`) };
}

/** Prints the comments and the line of the file (see crontabEntryForFile). */
export async function crontabForFile(config: ConfigFile, world: World): Promise<number> {
  const entry = await crontabEntryForFile(config, world);
  if ('code' in entry) return entry.code;
  for (const line of entry.comments) world.say(line);
  world.say(entry.line);
  return EXIT.ok;
}
