// The quiet promise of a `--config FILE` call: one file for the whole call (argv, cwd, TZ),
// the config file's identity (not newer than the promise) and one block per program, each
// what a single program's promise requires (docs/quiet-promise.md). Given only when every
// program's check was quiet and gave a block; then a healthy minute of N programs costs one
// shell. Its path follows from the arguments and the environment alone, so that the front
// door finds it: `<registry>/configs/<base>.promise` (src/config/resolve.ts's configHome).

import { lstatSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parsePlainCheck } from '../cli/fast-parse.js';
import { configPromiseText } from '../core/config-promise.js';
import type { PromiseBlock } from '../core/promise.js';
import { backdate, closedDirectory, removePromise, writeMark, writePromiseText } from '../os/promise-file.js';
import type { World } from '../world.js';
import type { ConfigFile } from './load.js';
import { configHome } from './resolve.js';

/** The promise of a config file's calls. */
export function configPromisePath(world: Pick<World, 'env' | 'home'>, file: string): string {
  const home = configHome(world as World, file);
  return join(home.configsDir, `${home.base}.promise`);
}

/**
 * Gathers the programs' blocks during one call. `readAtMs` is the clock just before the
 * config file was read: the promise and every state file it covers get the mtime of the
 * second before it, so that any later edit or write is newer, even in whole seconds (BusyBox).
 */
export class PromiseGatherer {
  readonly blocks: PromiseBlock[] = [];
  private missing = 0;
  readonly seconds: number;
  constructor(readAtMs: number) {
    this.seconds = Math.floor(readAtMs / 1000) - 1;
  }
  /** World.promiseBlock: runs under each program's lock, after its save. */
  readonly take = (block: (PromiseBlock & { nowCs: number }) | null): void => {
    if (!block) {
      this.missing++;
      return;
    }
    writeMark(block.markFile, block.nowCs);
    backdate(block.stateFile, this.seconds);
    backdate(block.pidFile, this.seconds);
    const { nowCs: _now, ...rest } = block;
    this.blocks.push(rest);
  };
  /** True when every one of `count` programs gave a block. */
  complete(count: number): boolean {
    return this.missing === 0 && this.blocks.length === count;
  }
}

/** Removes the call's promise: any call of the file that acts, before it acts. */
export function dropConfigPromise(world: World, file: string): void {
  removePromise(configPromisePath(world, file));
}

/**
 * After a check of every program: writes the promise when the call was a plain
 * `--config FILE` check that ended quiet and every program gave a block. Best effort, like
 * a single program's promise: failing costs only a full check next time.
 */
export function giveConfigPromise(config: ConfigFile, world: World, gathered: PromiseGatherer, quiet: boolean, pidFiles: Record<string, string>): void {
  const path = configPromisePath(world, config.file);
  try {
    const argv = world.argv;
    const call = argv ? parsePlainCheck(argv) : null;
    const plain =
      call &&
      call.command.length === 0 &&
      Object.keys(call.values).every((key) => key === 'config' || key === 'schedule') &&
      resolve(world.cwd, call.values.config as string) === config.file;
    if (!argv || !plain || !quiet || !gathered.complete(config.programs.length)) return;
    if (!closedDirectory(configHome(world, config.file).configsDir) || !closedDirectory(dirname(config.file))) return;
    // The file as read, links resolved (a release link pointed elsewhere keeps mtimes): the
    // verifiers compare the call's path with it as files (-ef), not as names.
    const stat = lstatSync(config.real);
    if (!stat.isFile() || stat.mtimeMs > gathered.seconds * 1000) return;
    // The programs were checked together: their blocks in the file's order, whatever order they finished in.
    const order = (block: PromiseBlock) => config.programs.findIndex((p) => block.pidFile === pidFiles[p.name]);
    const programs = [...gathered.blocks].sort((a, b) => order(a) - order(b));
    const text = configPromiseText({ cwd: world.cwd, tz: world.env.TZ ?? null, argv, config: config.real, programs });
    if (text !== null) writePromiseText(path, text, gathered.seconds);
  } catch {
    removePromise(path);
  }
}
