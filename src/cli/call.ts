// A call as read from its arguments: the action, the options by name and the command. Both
// readers (src/cli/parse.ts and its short reader for a plain check, src/cli/fast-parse.ts) give it.

import type { OptionName } from './options.js';

export type Action =
  | 'check'
  | 'status'
  | 'stop'
  | 'start'
  | 'restart'
  | 'reload'
  | 'release'
  | 'crontab'
  | 'install'
  | 'uninstall'
  | 'logs'
  | 'forget'
  | 'help'
  | 'version'
  | 'completion';

export interface ParsedCall {
  action: Action;
  /** Options by name: strings, booleans, or string lists for --env. */
  values: Partial<Record<OptionName, string | boolean | string[]>>;
  /** Everything after `--`, byte for byte. */
  command: string[];
  /** With --config: the program names given (--status NAME..., --stop NAME...). */
  names?: string[];
}
