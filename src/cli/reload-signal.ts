// --reload-signal: which signal --reload sends. Checked on every call that gives it (a typo in
// the crontab line is said at the first check, not on the day of the reload).

import { OptionError, type ValueKind } from './option-kinds.js';
import type { RecordedOptions } from '../core/request.js';

/** Signals a program may take as "reload": none that stops it for good (KILL, STOP) or is not POSIX. */
export const RELOAD_SIGNALS = ['HUP', 'USR1', 'USR2', 'WINCH', 'QUIT', 'INT', 'TERM', 'ALRM'];

/** A reload signal, with or without SIG, in any case. */
export const reloadSignalKind: ValueKind<NodeJS.Signals> = {
  parse(text, name) {
    const bare = text.toUpperCase().replace(/^SIG/, '');
    if (!RELOAD_SIGNALS.includes(bare)) throw new OptionError(name, text, `is not a reload signal; use one of ${RELOAD_SIGNALS.join(', ')}`);
    return `SIG${bare}` as NodeJS.Signals;
  },
  show: (value) => value.replace(/^SIG/, ''),
};

/** The reload signal of this call, else the one on record from the crontab line, else SIGHUP. */
export function reloadSignal(given: string | boolean | string[] | undefined, recorded: RecordedOptions | undefined): NodeJS.Signals {
  if (typeof given === 'string') return reloadSignalKind.parse(given, 'reload-signal');
  const onRecord = recorded?.['reload-signal'];
  return typeof onRecord === 'string' ? reloadSignalKind.parse(onRecord, 'reload-signal') : 'SIGHUP';
}
