// --completion bash|zsh: a completion script written from the option table, so that it never
// lags behind the options. Option names everywhere; files after a path option, directories
// after --cwd, the fixed words of --signal, --reload-signal, --format and --completion, and
// after `--` a command, then files.

import { gist, textOf } from './help.js';
import { OPTIONS, type OptionSpec } from './options.js';
import { STOP_SIGNALS } from './option-kinds.js';
import { RELOAD_SIGNALS } from './reload-signal.js';
import { UsageError } from '../errors.js';

const TABLE = OPTIONS as Record<string, OptionSpec>;

/** The words a value may be, for options that take one of a few. */
const WORDS: Record<string, readonly string[]> = {
  signal: STOP_SIGNALS,
  'reload-signal': RELOAD_SIGNALS,
  format: ['text', 'json', 'prometheus'],
  completion: ['bash', 'zsh'],
};

type ValueCompletion = { words: readonly string[] } | 'file' | 'directory' | 'none';

function valueCompletion(name: string, spec: OptionSpec): ValueCompletion {
  const words = WORDS[name];
  if (words) return { words };
  if (spec.path) return spec.valueName === 'DIR' ? 'directory' : 'file';
  return 'none';
}

const options = () => Object.entries(TABLE);

function bash(): string {
  const names = options().map(([name]) => `--${name}`);
  const cases: string[] = [];
  for (const [name, spec] of options()) {
    if (spec.type === 'boolean') continue;
    const value = valueCompletion(name, spec);
    const reply =
      value === 'file'
        ? 'compgen -f -- "$cur"'
        : value === 'directory'
          ? 'compgen -d -- "$cur"'
          : value === 'none'
            ? 'true'
            : `compgen -W '${value.words.join(' ')}' -- "$cur"`;
    cases.push(`    --${name}) mapfile -t COMPREPLY < <(${reply}); return ;;`);
  }
  return `# bash completion for ensure-running (ensure-running --completion bash), from its option table.
# Use: source <(ensure-running --completion bash), e.g. in ~/.bashrc.
_ensure_running() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} i
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ \${COMP_WORDS[i]} == -- ]]; then
      if ((i == COMP_CWORD - 1)); then mapfile -t COMPREPLY < <(compgen -c -- "$cur"); else mapfile -t COMPREPLY < <(compgen -f -- "$cur"); fi
      return
    fi
  done
  case $prev in
${cases.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W '${names.join(' ')} --' -- "$cur")
  fi
}
complete -o default -F _ensure_running ensure-running
`;
}

/** Text inside a zsh _arguments spec: brackets, colons, quotes and backslashes escaped. */
function zshText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/([[\]:])/g, '\\$1')
    .replace(/'/g, `'\\''`);
}

function zsh(): string {
  const specs: string[] = [];
  for (const [name, spec] of options()) {
    const what = zshText(gist(textOf(name)));
    const repeat = spec.type === 'array' ? '*' : '';
    if (spec.type === 'boolean') {
      specs.push(`  '${repeat}--${name}[${what}]'`);
      continue;
    }
    const value = valueCompletion(name, spec);
    const action = value === 'file' ? '_files' : value === 'directory' ? '_files -/' : value === 'none' ? ' ' : `(${value.words.join(' ')})`;
    specs.push(`  '${repeat}--${name}[${what}]:${zshText(spec.valueName ?? 'VALUE')}:${action}'`);
  }
  return `#compdef ensure-running
# zsh completion for ensure-running (ensure-running --completion zsh), from its option table.
# Use: ensure-running --completion zsh > ~/.zfunc/_ensure-running, with ~/.zfunc in fpath
# before compinit; or: source <(ensure-running --completion zsh) after compinit.
_ensure-running() {
  _arguments -S \\
${specs.join(' \\\n')} \\
    '*::command:_normal'
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _ensure-running "$@"
else
  compdef _ensure-running ensure-running
fi
`;
}

/** The completion script for `shell`. */
export function completionScript(shell: string): string {
  if (shell === 'bash') return bash();
  if (shell === 'zsh') return zsh();
  throw new UsageError(`--completion ${JSON.stringify(shell)}: no completion for that shell; use bash or zsh`);
}
