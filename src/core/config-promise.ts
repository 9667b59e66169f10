// The quiet promise of a `--config FILE` call (docs/quiet-promise.md): the call, the config
// file it read (an edit means the full check), then one block per program, each exactly
// what a single program's promise requires. The front door answers the call only when every
// block holds.

import { blockLines, callLines, promiseLines, PromiseReader, readBlock, readCall, type PromiseBlock, type PromiseCall } from './promise.js';

/** The format version of a config call's promise, the first line's last word. */
export const CONFIG_PROMISE_VERSION = 2;
const HEADER = `ensure-running config-promise ${CONFIG_PROMISE_VERSION}`;

export interface ConfigPromise extends PromiseCall {
  /** The config file, absolute: not newer than the promise. */
  config: string;
  programs: PromiseBlock[];
}

/** The file's text, or null when a field cannot be one line (then there is no promise). */
export function configPromiseText(p: ConfigPromise): string | null {
  const call = callLines(p);
  const blocks = p.programs.map(blockLines);
  if (!call || blocks.some((b) => b === null) || p.programs.length === 0) return null;
  if (p.config.includes('\n') || p.config.includes('\0') || !p.config.startsWith('/')) return null;
  return `${[HEADER, ...call, `config ${p.config}`, `programs ${p.programs.length}`, ...blocks.flatMap((b) => b!), 'end'].join('\n')}\n`;
}

/** Reads the text back; anything off is null. */
export function parseConfigPromise(text: string): ConfigPromise | null {
  const lines = promiseLines(text);
  if (!lines) return null;
  const r = new PromiseReader(lines);
  if (r.line() !== HEADER) return null;
  const call = readCall(r);
  const config = r.field('config');
  const count = r.number('programs');
  if (!call || config === null || count === null) return null;
  const programs: PromiseBlock[] = [];
  for (let i = 0; i < count; i++) {
    const block = readBlock(r);
    if (!block) return null;
    programs.push(block);
  }
  if (r.line() !== 'end' || !r.done()) return null;
  return { ...call, config, programs };
}
