// This host's identity for the lease: --host-id, else ENSURE_RUNNING_HOST_ID, else a random id
// made once and kept in ENSURE_RUNNING_HOME (two homes on one machine are two hosts). Not
// /etc/machine-id: cloned machines share it.

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readSmallFile, writeFileAtomic } from '../os/door.js';
import { HOST_ID } from '../core/lease-record.js';
import { RunError } from '../errors.js';
import { bootId } from '../os/proc-identity.js';
import type { LeaseHost } from './store.js';

/** The host id given, or the one kept in `home` (made on first use). */
export function leaseHost(given: string | null, home: string): LeaseHost {
  const name = hostname();
  // Two machines with one id (a shared or cloned home, the same --host-id) differ here: the store sees the clash.
  const instance = `${name} boot ${bootId() ?? 'unknown'}`;
  if (given) return { id: given, hostname: name, instance };
  const file = join(home, 'host-id');
  const read = readSmallFile(file, 256, 'host id file');
  if (read.kind === 'ok' && HOST_ID.test(read.text.trim())) return { id: read.text.trim(), hostname: name, instance };
  const id = randomBytes(8).toString('hex');
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${id}\n`, 'host id file', 0o644);
  } catch (error) {
    throw new RunError({
      action: 'keep this host id in',
      subject: file,
      reason: (error as Error).message,
      hint: 'set ENSURE_RUNNING_HOME to a writable directory, or give --host-id ID',
    });
  }
  return { id, hostname: name, instance };
}
