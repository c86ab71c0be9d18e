#!/usr/bin/env node
// Build step after tsc (npm run build): bundle dist/main.js and everything it loads into
// dist/main.bundle.js, then store V8's compiled code for the bundle in dist/main.bundle.cache,
// made by running `nmteam --version` from it. dist/cli.js (src/cli.ts) loads the two.
// esbuild-wasm, not esbuild: the same bundler as WebAssembly, with no native binary to install
// (esbuild's arrives through an install script or an optional dependency, and bootstrap omits those).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild-wasm');

const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, 'main.bundle.js');
const cache = path.join(dist, 'main.bundle.cache');

async function build() {
  fs.rmSync(cache, { force: true });
  await esbuild.build({
    entryPoints: [path.join(dist, 'main.js')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // dbus-next loads x11 only for an X11 session bus address, never for the system bus.
    external: ['x11'],
    logLevel: 'warning',
  });
  const { evaluateModule } = require(path.join(dist, 'cli.js'));
  const { exports, script } = evaluateModule(bundle, fs.readFileSync(bundle, 'utf8'));
  const code = await exports.main(['--version'], { out: () => undefined, err: (s) => process.stderr.write(s) });
  if (code !== 0) throw new Error(`the bundle's --version exited ${code}`);
  fs.writeFileSync(cache, script.createCachedData());
  const size = (f) => `${(fs.statSync(f).size / 1024).toFixed(0)} KiB`;
  process.stderr.write(
    `bundle: ${path.relative(process.cwd(), bundle)} (${size(bundle)}), code cache ${size(cache)}\n`,
  );
}

build().catch((err) => {
  process.stderr.write(`bundle: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
