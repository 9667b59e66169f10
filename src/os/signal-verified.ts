// One signal to the program alone (not its process group), its identity verified right before
// it: --reload's `signal-reload` effect. A master that reloads its workers must not see them
// signalled too, and a PID that is no longer the program launched is never signalled.

import { errnoCode } from '../errors.js';
import type { ReloadAnswer } from '../core/tick.js';
import type { Identity } from '../core/state.js';
import { verifyIdentity } from './proc-identity.js';

/** Sends `signal` to the program of `identity` if it is still that program; says how it went. */
export function signalVerified(identity: Identity, signal: string): ReloadAnswer {
  // Right before the signal: the PID must still be the process launched, not a reused one.
  const verdict = verifyIdentity(identity);
  if (verdict !== 'ours') return { kind: 'not-ours', verdict };
  try {
    process.kill(identity.pid, signal);
  } catch (error) {
    const code = errnoCode(error);
    return code === 'ESRCH' ? { kind: 'exited' } : { kind: 'refused', ...(code ? { code } : {}) };
  }
  return { kind: 'sent' };
}
