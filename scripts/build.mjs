// Bundles the CLI (fast start on the cron path; help and schedules load lazily) and the library entry.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const entryPoints = { cli: 'src/cli/run.ts' };
if (existsSync('src/heartbeat.ts')) entryPoints.heartbeat = 'src/heartbeat.ts';

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  define: { ENSURE_RUNNING_VERSION: JSON.stringify(pkg.version) },
  // CommonJS dependencies (proper-lockfile) call require(); yargs imports createRequire itself.
  banner: { js: "import { createRequire as __erCreateRequire } from 'node:module'; const require = __erCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

if (entryPoints.heartbeat) {
  // Hand-written declarations keep the published types in step without a second compiler run.
  const dts = readFileSync('src/heartbeat.d.ts.txt', 'utf8');
  writeFileSync('dist/heartbeat.d.ts', dts);
}
