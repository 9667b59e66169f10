// Node decodes its arguments as UTF-8 and puts U+FFFD in place of bytes that are not: such an
// argument cannot be passed on unchanged. The bytes as given are in /proc/self/cmdline.

import { readProcBytes } from './door.js';

/**
 * The index in `args` (the call's arguments, the last entries of the command line) of the
 * first one that is not valid UTF-8, or null. Read only when an argument holds U+FFFD (which
 * valid UTF-8 may also spell); where there is no /proc, null.
 */
export function notUtf8(args: readonly string[]): number | null {
  if (!args.some((arg) => arg.includes('\uFFFD'))) return null;
  let raw: Buffer;
  try {
    raw = readProcBytes('/proc/self/cmdline');
  } catch {
    return null;
  }
  const parts: Buffer[] = [];
  for (let from = 0; from < raw.length; ) {
    const end = raw.indexOf(0, from);
    parts.push(raw.subarray(from, end === -1 ? raw.length : end));
    from = end === -1 ? raw.length : end + 1;
  }
  const given = parts.slice(parts.length - args.length);
  if (given.length !== args.length) return null;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < given.length; i++) {
    try {
      decoder.decode(given[i]);
    } catch {
      return i;
    }
  }
  return null;
}
