// The files of a program's notifications, named after its PID file like its other records.

import { basename, dirname, join } from 'node:path';

/** The hook's log, and the record where the runners leave their failures for the next check. */
export function notifyFiles(pidFile: string): { hookLog: string; failures: string } {
  const stem = basename(pidFile).replace(/\.pid$/, '');
  return { hookLog: join(dirname(pidFile), `${stem}.hook.log`), failures: join(dirname(pidFile), `.${stem}.notify-failures`) };
}
