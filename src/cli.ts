#!/usr/bin/env node
/**
 * The nmteam command: a launcher for the CLI in main.ts.
 *
 * `npm run build` bundles main.js with everything it loads into one file
 * (dist/main.bundle.js, scripts/bundle.js) and stores V8's compiled code for
 * it (dist/main.bundle.cache, from a `--version` run at build time). Loading
 * those instead of some 150 modules saves most of the start-up's module
 * resolution and compilation on every run (docs/performance.md). The cache lives
 * next to the code, never in a shared temporary directory: a process running
 * as root must not run compiled code another user could have planted.
 *
 * Without a bundle, with one older than main.js (a `tsc`-only rebuild), or if
 * it cannot be read, the modules load as usual. A cache V8 does not accept
 * (another Node version, other V8 flags) only costs the compilation it would
 * have saved. NMTEAM_LOAD_INFO=1 says on stderr which way it went.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

type Cli = typeof import('./main');

/** How loadCli found the CLI (NMTEAM_LOAD_INFO). */
export type LoadedFrom =
  | 'bundle, code cache accepted'
  | 'bundle, code cache rejected'
  | 'bundle, no code cache'
  | 'modules, no bundle'
  | 'modules, bundle older than main.js';

interface ModuleInternals {
  _nodeModulePaths(dir: string): string[];
}

/**
 * Compile `source` as the CommonJS module `file` (with V8's code cache when given) and run it. The build
 * (scripts/bundle.js) makes the cache through this same function, so the compiled text is the same.
 */
export function evaluateModule(
  file: string,
  source: string,
  cachedData?: Buffer,
): { exports: unknown; script: vm.Script } {
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as ModuleInternals)._nodeModulePaths(path.dirname(file));
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    mod.exports,
    mod.exports,
    Module.createRequire(file),
    mod,
    file,
    path.dirname(file),
  );
  mod.loaded = true;
  return { exports: mod.exports, script };
}

export function loadCli(dir = __dirname): { cli: Cli; from: LoadedFrom } {
  const bundle = path.join(dir, 'main.bundle.js');
  let source: string | undefined;
  let stale = false;
  try {
    stale = fs.statSync(bundle).mtimeMs < fs.statSync(path.join(dir, 'main.js')).mtimeMs;
    if (!stale) source = fs.readFileSync(bundle, 'utf8');
  } catch {
    source = undefined; // no bundle: the modules
  }
  if (source === undefined)
    return { cli: require('./main') as Cli, from: stale ? 'modules, bundle older than main.js' : 'modules, no bundle' };
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(path.join(dir, 'main.bundle.cache'));
  } catch {
    cachedData = undefined;
  }
  const { exports, script } = evaluateModule(bundle, source, cachedData);
  const from: LoadedFrom = !cachedData
    ? 'bundle, no code cache'
    : script.cachedDataRejected
      ? 'bundle, code cache rejected'
      : 'bundle, code cache accepted';
  return { cli: exports as Cli, from };
}

if (require.main === module) {
  const { cli, from } = loadCli();
  if (process.env.NMTEAM_LOAD_INFO === '1') process.stderr.write(`nmteam: loaded from: ${from}\n`);
  cli.run(process.argv.slice(2), __filename);
}
