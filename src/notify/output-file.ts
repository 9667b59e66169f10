// --output FILE: what --status would print on stdout, written to FILE atomically (a temporary
// file in the same directory, then a rename), so that a reader such as node_exporter's textfile
// collector sees the previous content or the new one, never half a file.

import { resolve } from 'node:path';
import { writeFileAtomic } from '../os/door.js';
import type { World } from '../world.js';

/** A world whose stdout lines are kept for FILE; its warnings still go to stderr. */
export function toOutputFile(world: World, file: string): { world: World; write(): void } {
  const path = resolve(world.cwd, file);
  const lines: string[] = [];
  return {
    world: { ...world, say: (line) => lines.push(line) },
    // Written even when the status is "not running" (exit 1 or 3): the file then says so.
    write: () => writeFileAtomic(path, lines.length ? `${lines.join('\n')}\n` : '', '--output file'),
  };
}
