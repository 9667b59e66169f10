// The programs of a file by name: --status [NAME...], --stop NAME..., --start NAME...,
// --restart NAME.... Each is the single-program command on that program's records.

import type { ParsedCall } from '../cli/parse.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { EXIT } from '../errors.js';
import type { ConfigFile } from './load.js';
import { eachProgram, namedPrograms } from './programs.js';

/** --status: each program's status; JSON is always an array. Exit codes as a bare --status, or the program's own for one name. */
export async function statusByName(config: ConfigFile, call: ParsedCall, world: World): Promise<number> {
  const { statusRow } = await import('../commands/status.js');
  const { checksOverdue, statusText } = await import('../core/status-view.js');
  const programs = namedPrograms(config, call, false);
  const flags = { json: call.values.json === true, history: call.values.history === true };
  const json: unknown[] = [];
  const texts: string[] = [];
  const codes: number[] = [];
  let overdue = false;
  const worstCode = await eachProgram(config, programs, 'status', call, world, async (resolved) => {
    const row = await statusRow(resolved.paths, flags.history, world);
    if (flags.json) json.push(row.json);
    else texts.push(statusText(row.json));
    codes.push(row.code);
    overdue ||= checksOverdue(row.json);
    return EXIT.ok;
  });
  if (flags.json) world.say(JSON.stringify(json, null, 2));
  else if (texts.length) world.say(texts.join('\n\n'));
  if (worstCode !== EXIT.ok) return EXIT.unknown;
  // The whole file (no names): checks that stopped arriving make it 1, as in a bare --status.
  if (overdue && !call.names?.length && !codes.includes(EXIT.unknown) && worstCode === EXIT.ok) return EXIT.notRunning;
  if (programs.length === 1 && codes.length === 1) return codes[0]!;
  // As a bare --status: 4 when one is unknown, 1 when one is dead or its checks stopped arriving, else 0 (stopped on purpose is fine).
  if (codes.includes(EXIT.unknown)) return EXIT.unknown;
  return codes.includes(EXIT.notRunning) || overdue ? EXIT.notRunning : EXIT.ok;
}

/** --stop, --start, --restart, --reload NAME...: in the order named, each under its own lock; the worst exit code. */
export async function actByName(config: ConfigFile, call: ParsedCall, world: World, bound: { start(config: ProgramConfig): void }): Promise<number> {
  const { stopCommand, startCommand, restartCommand } = await import('../commands/stop.js');
  const reload = call.action === 'reload' ? (await import('../commands/reload.js')).reloadCommand : null;
  const act = reload ?? (call.action === 'stop' ? stopCommand : call.action === 'start' ? startCommand : restartCommand);
  return eachProgram(config, namedPrograms(config, call, true), call.action, call, world, (resolved) => act(resolved, world), bound);
}
