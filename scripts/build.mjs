// Bundles the CLI (fast start on the cron path; help and schedules load lazily) and the library entry.
import { build } from 'esbuild';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Build beside dist/ and swap it in at the end, so that a CLI run during a build finds dist/ whole.
const out = `dist.build-${process.pid}`;
rmSync(out, { recursive: true, force: true });

// notify-runner: the detached runner of --on-change, --notify-url and --ping-url (started by a check, outlives it).
const entryPoints = { cli: 'src/cli/run.ts', heartbeat: 'src/heartbeat.ts', 'notify-runner': 'src/notify/runner.ts' };

await build({
  entryPoints,
  outdir: out,
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
  // CommonJS dependencies (the lease's pg and redis clients) call require(); yargs imports createRequire itself.
  banner: { js: "import { createRequire as __erCreateRequire } from 'node:module'; const require = __erCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// What the CommonJS files (bin/ensure-running.js, full.cjs, check.cjs) share. yargs-parser (ESM) calls
// createRequire(import.meta.url): each is given its own file's URL by the banner.
const COMMONJS = {
  outdir: out,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // import.meta.url is read only where a module asks for it (yargs-parser, loaded on first use):
  // node:url is then not loaded at every start.
  banner: { js: "const __erImportMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
};

// The entries into node, each one CommonJS file, which starts without the ESM loader and reads
// one file (measured: scripts/bench.mjs). full.cjs (the front door execs it once it has
// verified the promise itself; the node path requires it when the promise does not answer):
// the full CLI at once. The node path itself is bin/ensure-running.js (below).
// Anything else imports the ESM entry above, so `./run.js` stays a reference to dist/cli.js.
await build({
  entryPoints: { full: 'src/cli/full.ts' },
  ...COMMONJS,
  define: { 'import.meta.url': '__erImportMeta.url' },
  plugins: [
    {
      name: 'full-cli-stays-apart',
      setup(b) {
        b.onResolve({ filter: /^\.\/check-entry\.js$/ }, () => ({ path: './check.cjs', external: true }));
        b.onResolve({ filter: /^\.\/run\.js$/ }, () => ({ path: './cli.js', external: true }));
      },
    },
  ],
  logLevel: 'warning',
});

// bin/ensure-running.js, the node path (`node bin/ensure-running.js`, documented for crontabs that
// call node themselves): the quiet promise verified as the front door verifies it, else the full
// CLI through ../dist/full.cjs. Written in bin/ itself (and kept out of git), so that node reads
// one file of ours before the promise answers: a small file that required a bundle in dist/
// cost 1.6-2.6% of that path, Node's loader resolving, reading and wrapping a second module
// (docs/speed.md). The build writes it last, once the dist/ it requires is in place.
const nodePath = await build({
  entryPoints: ['src/cli/fast.ts'],
  ...COMMONJS,
  outdir: undefined,
  outExtension: undefined,
  write: false,
  banner: {
    js: `#!/usr/bin/env node\n// Made by scripts/build.mjs from src/cli/fast.ts (npm run build). CommonJS on purpose (bin/package.json):\n// cron's healthy check then never starts the ESM loader.\n${COMMONJS.banner.js}`,
  },
  define: { 'import.meta.url': '__erImportMeta.url' },
  plugins: [
    {
      name: 'node-path-in-bin',
      setup(b) {
        b.onResolve({ filter: /^\.\/full\.(cjs|js)$/ }, () => ({ path: '../dist/full.cjs', external: true }));
      },
    },
  ],
  logLevel: 'warning',
});

// The plain check (a check by --pid without --lease, --config or a cron expression), required
// by full.cjs: one CommonJS file again, so that the full check opens no ESM chunk (measured:
// about 2.0x `node -e 0` and 52 MiB through the chunks, 1.5x and 46 MiB here). What needs pg,
// redis, cron-parser or smol-toml is not in it: src/cli/check-entry.ts sends those calls to
// dist/cli.js before doing anything, and the stubs below fail loudly if that routing ever misses.
const HEAVY = /\/src\/(lease\/postgres|lease\/redis|core\/schedule|config\/load)\.js$/;
// The other actions of src/cli/main.ts's dispatch: a plain check never reaches them, and
// leaving them out makes the file smaller to compile at every start.
const OTHER_ACTIONS =
  /\/src\/(cli\/help|cli\/completion|config\/call|commands\/(status|stop|reload|release|crontab|install|logs|forget)|lease\/manual|notify\/output-file)\.js$/;
// Whether a module (a src/ path ending in .js) is left out of dist/check.cjs (a stub below), or
// imports one statically, directly or not. (A module is taken for not reaching one while its own
// imports are read: an import cycle could hide a stub, and the warm-up of the cache would then
// fail aloud on it. test/unit/layers.test.ts keeps src/ free of cycles.)
const reaching = new Map();
function reachesStub(file) {
  if (HEAVY.test(file) || OTHER_ACTIONS.test(file)) return true;
  if (!reaching.has(file)) {
    reaching.set(file, false);
    const source = readFileSync(file.replace(/\.js$/, '.ts'), 'utf8');
    const specs = [...source.matchAll(/^(?:import|export)(?! type)[^;]*? from '(\.{1,2}\/[^']+\.js)';/gm)].map((m) => m[1]);
    reaching.set(
      file,
      specs.some((spec) => reachesStub(join(dirname(file), spec))),
    );
  }
  return reaching.get(file);
}

await build({
  entryPoints: { check: 'src/cli/check-entry.ts' },
  ...COMMONJS,
  define: { ENSURE_RUNNING_VERSION: JSON.stringify(pkg.version), 'import.meta.url': '__erImportMeta.url' },
  plugins: [
    {
      // A healthy check hashes nothing and starts nothing: crypto (registry names, launch
      // tokens), child_process (a launch, a stop) and os (the lease's host name, a secret's
      // home) are required where first used, not at start (test/e2e/check-bundle-loads.test.ts).
      // Each becomes a module of functions that load it and call theirs: an ES module, which the
      // bundle imports from directly (an object of getters was copied getter by getter into each
      // importer at every start).
      // Only functions, not classes: importing anything else fails the build ("No matching export").
      name: 'builtins-on-first-use',
      setup(b) {
        b.onResolve({ filter: /^(node:)?(crypto|child_process|os)$/ }, (args) =>
          args.namespace === 'on-first-use' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'on-first-use' },
        );
        b.onLoad({ filter: /.*/, namespace: 'on-first-use' }, (args) => {
          const builtin = process.getBuiltinModule(`node:${args.path}`);
          const names = Object.keys(builtin).filter((name) => typeof builtin[name] === 'function' && /^[a-z][A-Za-z0-9]*$/.test(name));
          const calls = names.map((name) => `export function ${name}(...args) { return load().${name}(...args); }`);
          return {
            contents: `let loaded;\nconst load = () => (loaded ??= require('node:${args.path}'));\n${calls.join('\n')}\n`,
            loader: 'js',
          };
        });
      },
    },
    {
      // A plain check's arguments are read by src/cli/fast-parse.ts: yargs-parser (src/cli/parse.ts)
      // is set up only when a call needs it.
      name: 'parser-on-first-use',
      setup(b) {
        b.onResolve({ filter: /^yargs-parser$/ }, (args) =>
          args.namespace === 'parser-on-first-use' ? undefined : { path: 'yargs-parser', namespace: 'parser-on-first-use' },
        );
        b.onLoad({ filter: /.*/, namespace: 'parser-on-first-use' }, () => ({
          contents:
            "let loaded;\nconst load = () => (loaded ??= require('yargs-parser').default);\nmodule.exports = { get detailed() { return load().detailed; } };",
          loader: 'js',
          resolveDir: process.cwd(),
        }));
      },
    },
    {
      // One file, all of it at hand: an import() of a module of this bundle becomes a static
      // import, and esbuild lays every module out in order instead of wrapping it in a function
      // run at its first use (with each module it imports, transitively: 92 were). Those
      // wrappers, their calls and their namespace objects were about 1% of a full check
      // (docs/speed.md). Every module body thus runs at every start: test/e2e/check-bundle-loads
      // holds what a healthy check may load, and that no module is wrapped. The stubs below
      // (what a plain check never reaches) stay behind import().
      name: 'static-in-check-bundle',
      setup(b) {
        b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
          const source = readFileSync(args.path, 'utf8');
          const specs = [];
          // The module's namespace, imported statically (its name here); null for a stub's.
          const namespace = (spec) => {
            if (reachesStub(join(dirname(args.path), spec))) return null;
            if (!specs.includes(spec)) specs.push(spec);
            return `__erStatic${specs.indexOf(spec)}`;
          };
          // Each name read off the namespace, never the namespace itself: esbuild then binds the
          // names directly, where a namespace used as a value is an object of getters made at start.
          const contents = source
            .replace(/const \{([\w\s,:]+)\} = await import\('(\.{1,2}\/[^']+\.js)'\);/g, (call, names, spec) => {
              const ns = namespace(spec);
              if (ns === null) return call;
              const pairs = names
                .split(',')
                .map((name) => name.split(':').map((part) => part.trim()))
                .filter(([from]) => from);
              return `const ${pairs.map(([from, to = from]) => `${to} = ${ns}.${from}`).join(', ')};`;
            })
            .replace(/\(await import\('(\.{1,2}\/[^']+\.js)'\)\)/g, (call, spec) => namespace(spec) ?? call)
            .replace(/(?<!typeof )\bimport\('(\.{1,2}\/[^']+\.js)'\)/g, (call, spec) => {
              const ns = namespace(spec);
              return ns === null ? call : `Promise.resolve(${ns})`;
            });
          return specs.length
            ? { contents: `${specs.map((spec, i) => `import * as __erStatic${i} from '${spec}';`).join('\n')}\n${contents}`, loader: 'ts' }
            : undefined;
        });
      },
    },
    {
      name: 'plain-check-only',
      setup(b) {
        // Left out too: a module import()ed that imports one of those (src/cli/schedules.ts).
        b.onResolve({ filter: /\.js$/ }, (args) => {
          const file = join(args.resolveDir, args.path);
          const left = HEAVY.test(file) || OTHER_ACTIONS.test(file) || (args.kind === 'dynamic-import' && reachesStub(file));
          return left ? { path: file, namespace: 'not-in-check-bundle' } : undefined;
        });
        b.onLoad({ filter: /.*/, namespace: 'not-in-check-bundle' }, (args) => ({
          contents: `module.exports = {};\nthrow new Error(${JSON.stringify(`${relative('.', args.path)} is not in dist/check.cjs: this call should have gone to dist/cli.js (src/cli/check-entry.ts)`)});`,
          loader: 'js',
        }));
      },
    },
  ],
  logLevel: 'warning',
});

// How dist/check.cjs opens and closes around esbuild's output (src/cli/code-cache.ts: BUNDLE_OPENING).
const BUNDLE_OPENING =
  '(function (run) { return this === globalThis ? run : run(exports, require, module, __filename, __dirname); }).call(this, ' +
  'function (exports, require, module, __filename, __dirname) { ';
const BUNDLE_CLOSING = '});\n';

// check.cjs ends with its build id, and the V8 code cache beside it names that id
// (src/cli/code-cache.ts, which full.cjs loads it with; scripts/make-code-cache.mjs makes it).
// check.cjs must not import(): a script compiled from a code cache cannot serve one.
{
  const file = `${out}/check.cjs`;
  const text = readFileSync(file, 'utf8');
  if (/\bimport\(/.test(text)) throw new Error('dist/check.cjs calls import(): route that call through src/cli/full-cli.ts instead');
  // It is decoded as Latin-1, the cheapest decoding, which is UTF-8's only for ASCII (esbuild's default charset).
  if (Buffer.byteLength(text, 'utf8') !== text.length)
    throw new Error("dist/check.cjs is not ASCII: keep esbuild's default charset (src/cli/code-cache.ts reads it as Latin-1)");
  // The file wraps itself as Node's wrapper would (src/cli/code-cache.ts): required, it runs as any
  // CommonJS file; compiled as a script, its value is the wrapper function, which the entry calls.
  // The entry then compiles the file's own text: no second copy of a quarter of a megabyte with
  // Node's wrapper around it (V8 flattens such a concatenation before it compiles).
  const wrapped = `${BUNDLE_OPENING}${text}\n${BUNDLE_CLOSING}`;
  writeFileSync(file, `${wrapped}// ensure-running build ${createHash('sha256').update(wrapped).digest('hex').slice(0, 32)}\n`);
  const maker = `${out}/make-code-cache.cjs`;
  await build({ entryPoints: ['src/cli/code-cache.ts'], outfile: maker, bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' });
  const made = spawnSync(process.execPath, ['scripts/make-code-cache.mjs', resolve(maker), resolve(file)], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  rmSync(maker);
  if (made.status !== 0) throw new Error(`the code cache of dist/check.cjs could not be made (exit ${made.status ?? made.signal}):\n${made.stderr}`);
}

// The published types of the heartbeat helper, declared from its source file alone (no
// whole-program compile): an export whose type cannot be read off its declaration fails the build.
const ts = (await import('typescript')).default;
const declared = ts.transpileDeclaration(readFileSync('src/heartbeat.ts', 'utf8'), {
  fileName: 'heartbeat.ts',
  reportDiagnostics: true,
  compilerOptions: { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, isolatedDeclarations: true },
});
if (declared.diagnostics?.length) {
  throw new Error(`src/heartbeat.ts: ${declared.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
}
writeFileSync(`${out}/heartbeat.d.ts`, declared.outputText);

// The man page, from the option table (src/cli/manpage.ts), named by package.json's "man".
const man = await build({
  entryPoints: ['src/cli/manpage.ts'],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
const { manPage } = await import(`data:text/javascript;base64,${Buffer.from(man.outputFiles[0].text).toString('base64')}`);
writeFileSync(`${out}/ensure-running.1`, manPage(pkg.version));

rmSync('dist', { recursive: true, force: true });
renameSync(out, 'dist');
// After dist/, which it requires: written beside, then renamed over the last build's.
writeFileSync(`bin/ensure-running.js.build-${process.pid}`, nodePath.outputFiles[0].text, { mode: 0o755 });
renameSync(`bin/ensure-running.js.build-${process.pid}`, 'bin/ensure-running.js');
