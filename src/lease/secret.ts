// The store's password, never from the command line: --lease-password-file for either engine,
// else the engine's own places: REDISCLI_AUTH for Redis (as redis-cli reads it); PGPASSWORD,
// then the file PGPASSFILE names or ~/.pgpass for PostgreSQL, read here (pg's own reading of
// it is deprecated and warns on every check) with libpq's rules: the first line whose
// host:port:database:user match (`*` matches anything, `\` escapes), a file with group or other
// access ignored. Files are read through the file door (src/os/door.ts).

import { homedir } from 'node:os';
import { join } from 'node:path';
import { readNamedFile } from '../os/door.js';
import { StoreError } from './store.js';

/** A file the password may be in: at most this many bytes. */
const MAX_BYTES = 64 * 1024;

/** Reads a secret file; a file others may read is refused (config), a missing one is null. */
function readSecret(path: string, what: string, missingIsError: boolean): string | null {
  const read = readNamedFile(path, MAX_BYTES, what);
  if (read.kind === 'missing') {
    if (missingIsError) throw new StoreError(`${what} ${path} does not exist; write the password in it (mode 0600)`, true);
    return null;
  }
  if (read.kind === 'bad') throw new StoreError(`${what} ${path} cannot be read: ${read.reason}`, true);
  if ((read.mode & 0o077) !== 0)
    throw new StoreError(`${what} ${path} has group or other access (mode ${(read.mode & 0o777).toString(8)}); chmod 600 ${path}`, true);
  return read.text;
}

/** --lease-password-file: its first line, without the line end. */
export function passwordFromFile(path: string): string {
  const text = readSecret(path, '--lease-password-file', true) ?? '';
  return text.split(/\r?\n/)[0]!;
}

/** What a pgpass line is matched against. */
export interface PgTarget {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** The fields of one pgpass line: `:` separates, `\` escapes the next character. */
function fields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) field += line[++i];
    else if (c === ':') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** The password of the first matching line of a pgpass text, as libpq finds it; undefined when none matches. */
export function pgpassLookup(text: string, target: PgTarget): string | undefined {
  // A unix socket directory is "localhost" to the file, as libpq has it.
  const host = !target.host || target.host.startsWith('/') ? 'localhost' : target.host;
  const wanted = [host, target.port, target.database, target.user];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const parts = fields(line);
    if (parts.length < 5) continue;
    if (wanted.every((value, i) => parts[i] === '*' || parts[i] === value)) return parts.slice(4).join(':');
  }
  return undefined;
}

/** PostgreSQL's password when neither the URL nor PGPASSWORD gives one: the file PGPASSFILE names, else ~/.pgpass. */
export function pgpassPassword(env: NodeJS.ProcessEnv, target: PgTarget): string | undefined {
  const file = env.PGPASSFILE || join(env.HOME || homedir(), '.pgpass');
  const text = readSecret(file, env.PGPASSFILE ? 'PGPASSFILE' : 'password file', false);
  return text === null ? undefined : pgpassLookup(text, target);
}
