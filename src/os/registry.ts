// The registry of guarded programs, for a bare --status: one small file per PID file.

import { mkdirSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readSmallFile, removeFile, writeFileAtomic } from './door.js';

export interface RegistryEntry {
  entryFile: string;
  name: string;
  pidFile: string;
  stateFile: string;
}

function entryPath(dir: string, pidFile: string): string {
  return join(dir, 'programs', `${createHash('sha256').update(pidFile).digest('hex').slice(0, 20)}.json`);
}

/** Registers a program; returns a warning line when the registry cannot be written (never fatal). */
export function register(dir: string, entry: Omit<RegistryEntry, 'entryFile'>): string | null {
  const file = entryPath(dir, entry.pidFile);
  try {
    if (readSmallFile(file, 8192, 'registry entry').kind === 'ok') return null;
    mkdirSync(join(dir, 'programs'), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${JSON.stringify(entry)}\n`, 'registry entry', 0o600);
    return null;
  } catch (error) {
    return (
      `cannot register ${entry.pidFile} in ${dir} (${(error as Error).message}); a ` +
      `bare --status will not list it (set ENSURE_RUNNING_HOME to a writable directory)`
    );
  }
}

/** Lists the registered programs, sorted by name. */
export function listRegistry(dir: string): RegistryEntry[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, 'programs'));
  } catch {
    return [];
  }
  const entries: RegistryEntry[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const entryFile = join(dir, 'programs', name);
    const read = readSmallFile(entryFile, 8192, 'registry entry');
    if (read.kind !== 'ok') continue;
    try {
      const raw = JSON.parse(read.text) as Partial<RegistryEntry>;
      if (typeof raw.pidFile === 'string' && typeof raw.stateFile === 'string' && typeof raw.name === 'string') {
        entries.push({ entryFile, name: raw.name, pidFile: raw.pidFile, stateFile: raw.stateFile });
      }
    } catch {
      // a torn entry is skipped; it is rewritten at the next launch
    }
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name) || a.pidFile.localeCompare(b.pidFile));
}

/** Forgets a program whose files are gone. */
export function unregister(entry: RegistryEntry): void {
  try {
    removeFile(entry.entryFile, 'registry entry');
  } catch {
    // pruning is best effort
  }
}

/** Removes the registry entry of a PID file (--forget); true when there was one. */
export function forgetEntry(dir: string, pidFile: string): boolean {
  const file = entryPath(dir, pidFile);
  if (readSmallFile(file, 8192, 'registry entry').kind === 'missing') return false;
  removeFile(file, 'registry entry');
  return true;
}

/** Renames the entry of a PID file when it is registered under another name (a config table's name wins); best effort. */
export function renameEntry(dir: string, pidFile: string, name: string): void {
  const file = entryPath(dir, pidFile);
  try {
    const read = readSmallFile(file, 8192, 'registry entry');
    if (read.kind !== 'ok') return;
    const entry = JSON.parse(read.text) as Partial<RegistryEntry>;
    if (entry.name === name || typeof entry.stateFile !== 'string') return;
    writeFileAtomic(file, `${JSON.stringify({ name, pidFile, stateFile: entry.stateFile })}\n`, 'registry entry', 0o600);
  } catch {
    // a torn or unwritable entry keeps its old name; the program is still listed
  }
}
