// The `skip` of a test that needs a tool from outside Node (scripts/test-tools.ts has the list):
// when the tool is missing, one line naming it, also recorded for the list that ends the run
// (scripts/run-tests.mjs); with CI=1 never a skip, so that a missing tool fails the run.

import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS, type ToolName } from '../scripts/test-tools.ts';
import { ROOT } from './helpers.ts';

const CI = process.env.CI === '1' || process.env.CI === 'true';

/** The test file that asked, from the stack: what the list at the end names. */
function caller(): string {
  const stack = new Error().stack ?? '';
  const match = stack.match(/((?:file:\/\/)?\/[^\s():]+?\.test\.ts)/);
  if (!match?.[1]) return 'a test';
  return relative(ROOT, match[1].startsWith('file:') ? fileURLToPath(match[1]) : match[1]);
}

/** false when every tool is there (or CI=1); else the skip line, naming the missing tools. */
export function needs(...names: ToolName[]): string | false {
  const missing = names.filter((name) => TOOLS[name].find(process.env.PATH ?? '') === null);
  if (missing.length === 0 || CI) return false;
  const line = `needs ${missing.join(' and ')}, not installed (npm test installs it as root with apt: Debian package ${missing.map((name) => TOOLS[name].apt).join(', ')})`;
  const list = process.env.ENSURE_RUNNING_TEST_SKIPS;
  if (list) appendFileSync(list, `${missing.join(' and ')}\t${caller()}\n`);
  return line;
}

/** The tool's path; throws a line that names it when it is missing (under CI=1, where the test was not skipped). */
export function tool(name: ToolName): string {
  const found = TOOLS[name].find(process.env.PATH ?? '');
  if (found === null) throw new Error(`${name} not found (${TOOLS[name].for}): npm test installs it as root with apt (Debian package ${TOOLS[name].apt})`);
  return found;
}
