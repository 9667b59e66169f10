// --max-memory SIZE: the resident memory above which a check restarts the program.

import { UsageError } from '../errors.js';
import { OptionError } from './option-kinds.js';

/** Below this, a ceiling is a typo (a node program alone takes tens of MiB). */
const MIN_CEILING_BYTES = 1024 * 1024;

/** The ceiling in bytes (its row's kind has read the size), or null without --max-memory. */
export function memoryCeiling(bytes: number | undefined, text: string | boolean | string[] | undefined): number | null {
  if (bytes === undefined) return null;
  if (bytes < MIN_CEILING_BYTES) throw new OptionError('max-memory', String(text), 'is below 1M; use a number with M or G (e.g. 500M, 2G)');
  if (process.platform !== 'linux') throw new UsageError('--max-memory reads /proc, which only Linux has');
  return bytes;
}
