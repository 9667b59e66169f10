// The full check's bundle (dist/check.cjs) compiled with the V8 code cache that the build
// leaves beside it (dist/check.cjs.cache): compiling the bundle is a tenth of a check, and
// Node 20 keeps no compiled code between runs (module.enableCompileCache is 22.1+).
//
// The cache is code: it is used only when it is a regular file (never through a link) of the
// bundle's owner that no one else may write, so that whoever can change it can change the
// bundle too, and only when it names the bundle's build (the id at the end of check.cjs; V8
// itself checks only the source's length). V8 rejects a cache made by another Node, V8 or
// set of flags, and the bundle is then compiled as without one.

import type { Script } from 'node:vm';
import { readBundle, readSmallFile } from '../os/door.js';

/** What became of the cache: compiled from it, refused by V8, not trusted (or not this build's), or none. */
export type CacheUse = 'used' | 'rejected' | 'refused' | 'absent';

/** The last line of a bundle that has a cache: its build id (scripts/build.mjs). */
export const BUILD_LINE = '// ensure-running build ';
/**
 * How the bundle opens (scripts/build.mjs writes it around esbuild's output): as a CommonJS file
 * it runs its body with Node's five names; as a script it is worth its wrapper function.
 */
export const BUNDLE_OPENING =
  '(function (run) { return this === globalThis ? run : run(exports, require, module, __filename, __dirname); }).call(this, ' +
  'function (exports, require, module, __filename, __dirname) { ';
/** How a cache file opens: this, the build id, spaces up to a multiple of 8 bytes and a newline (`cacheHeaderFor`), then V8's data. */
export const CACHE_HEADER = 'ensure-running code cache ';
/**
 * The file name in the stack traces of a bundle compiled from its cache: Node 20's V8 keeps the
 * name the cache was made under (the build's own scratch path before), not the name given.
 */
export const CACHED_SCRIPT_NAME = 'ensure-running/dist/check.cjs';

const MAX_BYTES = 16 * 1024 * 1024;

/**
 * The first line a cache of this bundle opens with: the build id at the end of its text (or
 * null when it ends with none), padded with spaces to a multiple of 8 bytes. V8 reads its data
 * in place only from an address aligned so, and copies it first otherwise (a quarter of a
 * megabyte, in fresh memory, at every full check). One function for the build that writes it
 * and the check that compares it: each function of this file is compiled at every full check.
 */
export function cacheHeaderFor(text: string): string | null {
  const at = text.lastIndexOf(BUILD_LINE);
  if (at < 0 || (at > 0 && text[at - 1] !== '\n')) return null;
  const id = text.slice(at + BUILD_LINE.length).trimEnd();
  if (!/^[0-9a-f]{16,64}$/.test(id)) return null;
  const line = `${CACHE_HEADER}${id}`;
  return `${line.padEnd(Math.ceil((line.length + 1) / 8) * 8 - 1)}\n`;
}

/**
 * Compiles a CommonJS bundle as require() would, with `cachedData` when given. `requireFrom`:
 * the require() of a module in the bundle's directory (the entry's own), so that node:module
 * need not be loaded for createRequire (half a millisecond of every full check).
 */
function compile(file: string, text: string, cachedData: Buffer | undefined, requireFrom: NodeJS.Require, name = file): { script: Script; exports: unknown } {
  // Got here, not imported: the node path answers most calls from the promise and never compiles anything.
  const vm = process.getBuiltinModule('node:vm') as typeof import('node:vm');
  // The bundle wraps itself (scripts/build.mjs): compiled as a script its value is a function of
  // Node's five names, called here as Node calls a module's. Its own text, not a copy with the
  // wrapper around it: V8 compiles only flat text, and would make one more copy of the bundle.
  if (!text.startsWith(BUNDLE_OPENING)) throw new Error(`${file} does not open as the build writes it`);
  const script = new vm.Script(text, { filename: name, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  // The bundle holds every module of its own and asks require() only for Node's built-in ones,
  // about forty times (each of its modules for node:fs or node:path): given here without the
  // CommonJS loader's resolution and cache, which cost a tenth of a millisecond at every start.
  const bundleRequire = (id: string): unknown => process.getBuiltinModule(id) ?? requireFrom(id);
  // Its directory cut from its (absolute) path by hand: node:path's dirname is compiled at its first call.
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, bundleRequire, module, file, file.slice(0, file.lastIndexOf('/')));
  return { script, exports: module.exports };
}

/**
 * Loads a CommonJS bundle (`file`, a path) with its code cache; null when the bundle cannot be
 * read that way (a link, say): the caller then require()s it as usual.
 */
export function requireWithCache(file: string, requireFrom: NodeJS.Require): { exports: unknown; cache: CacheUse } | null {
  const read = readBundle(file, `${file}.cache`, MAX_BYTES);
  // Not as the build writes it: require()d as any CommonJS file.
  if (read === null || !read.text.startsWith(BUNDLE_OPENING)) return null;
  // The cache's V8 data, when it may be used for this bundle (its owner's, no one else may write
  // it, made for this build); else why not. Told here, not in a function of its own: this file
  // runs before any code cache, and each of its functions is compiled at every full check.
  let cache: Buffer | 'refused' | 'absent' = 'refused';
  const header = cacheHeaderFor(read.text);
  if (typeof read.cache === 'string') cache = read.cache;
  else if (read.cache.uid === read.uid && (read.cache.mode & 0o022) === 0 && header !== null) {
    // V8's data, read in place (the header keeps it aligned): the cache is a quarter of a megabyte,
    // and a copy is time at every check.
    if (read.cache.bytes.toString('latin1', 0, header.length) === header) cache = read.cache.bytes.subarray(header.length);
  }
  if (typeof cache === 'string') return { exports: compile(file, read.text, undefined, requireFrom).exports, cache };
  const { script, exports } = compile(file, read.text, cache, requireFrom);
  return { exports, cache: script.cachedDataRejected ? 'rejected' : 'used' };
}

/**
 * The cache of a bundle, as the build writes it (scripts/make-code-cache.mjs): the bundle
 * compiled, its module body run, then `warmUp` with its exports (a real call, so that the
 * cache holds the functions that call compiles, not only the module's top level).
 */
export async function codeCacheOf(file: string, warmUp: (exports: unknown) => Promise<void>): Promise<Buffer> {
  const source = readSmallFile(file, MAX_BYTES, 'bundle', 'latin1');
  if (source.kind !== 'ok') throw new Error(`${file}: ${source.kind === 'bad' ? source.reason : 'missing'}`);
  const header = cacheHeaderFor(source.text);
  if (header === null) throw new Error(`${file} does not end with its build id (${BUILD_LINE}ID)`);
  const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  const { script, exports } = compile(file, source.text, undefined, createRequire(file), CACHED_SCRIPT_NAME);
  await warmUp(exports);
  return Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()]);
}
