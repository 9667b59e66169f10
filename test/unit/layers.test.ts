// The layers of src/ (docs/design.md, "Layers"): which part may import which, and no import
// cycle between files. Read from the import statements (static, re-exports and dynamic
// `import()`); an import of types alone is erased at build time and ties nothing, so it is
// left out of both rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../helpers.ts';

const SRC = join(ROOT, 'src');

/** The files of src/cli that hold the option table and resolve a call into a ProgramConfig: the settings. */
const ENTRY = new Set(['cli/main.ts', 'cli/run.ts', 'cli/fast.ts', 'cli/full.ts', 'cli/full-cli.ts', 'cli/check-entry.ts']);

/** The part a file of src/ belongs to (its path relative to src/). */
function partOf(file: string): string {
  if (ENTRY.has(file)) return 'entry';
  if (file.startsWith('cli/')) return 'settings';
  const slash = file.indexOf('/');
  return slash < 0 ? file : file.slice(0, slash);
}

/** What each part may import at run time, besides itself. Every part of src/ must be listed. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  'errors.ts': [],
  // The helper a guarded program imports writes its heartbeat through the file door.
  'heartbeat.ts': ['os', 'errors.ts'],
  'world.ts': ['core'],
  core: [],
  os: ['core', 'errors.ts'],
  lease: ['core', 'os', 'errors.ts', 'world.ts'],
  notify: ['core', 'os', 'errors.ts', 'world.ts'],
  settings: ['core', 'os', 'errors.ts', 'world.ts'],
  commands: ['core', 'os', 'lease', 'notify', 'settings', 'errors.ts', 'world.ts'],
  config: ['core', 'os', 'lease', 'notify', 'settings', 'commands', 'errors.ts', 'world.ts'],
  entry: ['core', 'os', 'lease', 'notify', 'settings', 'commands', 'config', 'errors.ts', 'world.ts'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

/** Whether the braces of an import or export name types alone (`{ type A, type B }`). */
function typesOnly(names: string): boolean {
  const inner = /\{([^}]*)\}/.exec(names);
  if (
    !inner ||
    names
      .replace(/\{[^}]*\}/, '')
      .replace(/,/g, '')
      .trim() !== ''
  )
    return false;
  const parts = inner[1]!
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return parts.length > 0 && parts.every((part) => part.startsWith('type '));
}

/** The files of src/ that `file` imports at run time. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const targets: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^;()'"]*?)\s*from\s*'([^']+)'/gm)) {
    if (m[2] || typesOnly(m[3]!)) continue;
    targets.push(m[4]!);
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) targets.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) targets.push(m[1]!);
  return targets.filter((target) => target.startsWith('.')).map((target) => relative(SRC, resolve(SRC, dirname(file), target.replace(/\.js$/, '.ts'))));
}

const files = sources(SRC).sort();
const graph = new Map(files.map((file) => [file, runtimeImports(file)]));

test('layers: every part of src/ has a row of what it may import', () => {
  for (const file of files) assert.ok(partOf(file) in MAY_IMPORT, `src/${file}: its part ${partOf(file)} has no row in MAY_IMPORT (and in docs/design.md)`);
});

test('layers: every import of src/ names a file of src/', () => {
  for (const [file, targets] of graph) for (const target of targets) assert.ok(graph.has(target), `src/${file} imports src/${target}, which is not there`);
});

for (const part of Object.keys(MAY_IMPORT)) {
  test(`layers: ${part} imports only ${MAY_IMPORT[part]!.length ? MAY_IMPORT[part]!.join(', ') : 'itself'}`, () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      if (partOf(file) !== part) continue;
      for (const target of targets) {
        const to = partOf(target);
        if (to !== part && !MAY_IMPORT[part]!.includes(to)) wrong.push(`src/${file} -> src/${target}`);
      }
    }
    assert.deepEqual(wrong, [], `${part} may not import these`);
  });
}

test('layers: no import cycle between files (types aside)', () => {
  // Tarjan's strongly connected components over the run-time imports.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    indexOf.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!indexOf.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, indexOf.get(target)!));
    }
    if (low.get(file) !== indexOf.get(file)) return;
    const component: string[] = [];
    for (;;) {
      const top = stack.pop()!;
      onStack.delete(top);
      component.push(top);
      if (top === file) break;
    }
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of files) if (!indexOf.has(file)) visit(file);
  assert.deepEqual(cycles, [], 'files that import each other in a loop');
});

test('layers: the reader sees the imports it must (a check of the test itself)', () => {
  assert.ok(graph.get('cli/main.ts')!.includes('commands/check.ts'), 'a dynamic import');
  assert.ok(graph.get('commands/executor.ts')!.includes('core/tick.ts'), 'a static import');
  assert.ok(!graph.get('world.ts')!.includes('core/promise.ts'), 'an import of types alone ties nothing');
});
