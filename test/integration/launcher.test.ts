/**
 * dist/cli.js (src/cli.ts) loads the CLI from the bundle and V8 code cache that `npm run build` makes, and
 * falls back to the modules without them. Each case runs the built CLI, in a copy of dist/ when it changes
 * files, so the other suites' dist/ stays as built.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliPath, repoRoot } from '../harness/sandbox/cli';

const FIXTURE = path.join(repoRoot(), 'test/fixtures/spec/many-errors.yaml');

function runCli(
  cli: string,
  args: string[],
): { code: number | null; out: string; err: string; from: string | undefined } {
  // No bus at all: the commands here must not need one.
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NMTEAM_LOAD_INFO: '1', DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/nmteam-no-bus' },
  });
  const from = /^nmteam: loaded from: (.*)$/m.exec(r.stderr)?.[1];
  return { code: r.status, out: r.stdout, err: r.stderr.replace(/^nmteam: loaded from: .*\n/m, ''), from };
}

describe('the launcher', () => {
  // Under node_modules/ of the checkout, so that the modules of a copy still resolve their dependencies.
  const scratch = path.join(repoRoot(), 'node_modules', '.cache');
  let copy: string;
  beforeEach(() => {
    fs.mkdirSync(scratch, { recursive: true });
    copy = path.join(fs.mkdtempSync(path.join(scratch, 'nmteam-launcher-')), 'dist');
    fs.cpSync(path.dirname(cliPath()), copy, { recursive: true, preserveTimestamps: true });
    fs.copyFileSync(path.join(repoRoot(), 'package.json'), path.join(path.dirname(copy), 'package.json')); // main.js reads ../package.json
  });
  afterEach(() => fs.rmSync(path.dirname(copy), { recursive: true, force: true }));

  it('uses the bundle and the code cache the build made', () => {
    expect(fs.existsSync(path.join(repoRoot(), 'dist/main.bundle.js'))).toBe(true);
    const r = runCli(cliPath(), ['--version']);
    expect(r.from).toBe('bundle, code cache accepted');
    expect(r.out).toBe(
      `${(JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version}\n`,
    );
    expect(r.code).toBe(0);
  });

  it('the bundle behaves as the modules do: the same errors, output and exit code for a bad file and for --help', () => {
    const bundled = runCli(path.join(copy, 'cli.js'), ['plan', FIXTURE]);
    fs.rmSync(path.join(copy, 'main.bundle.js'));
    const modules = runCli(path.join(copy, 'cli.js'), ['plan', FIXTURE]);
    expect([bundled.from, modules.from]).toEqual(['bundle, code cache accepted', 'modules, no bundle']);
    expect(bundled.err).toContain('many-errors.yaml:4:5: network_config[0].use_dchp: unknown key');
    expect({ ...bundled, from: '' }).toEqual({ ...modules, from: '' });
    expect(runCli(cliPath(), ['apply', '--help']).out).toBe(runCli(path.join(copy, 'cli.js'), ['apply', '--help']).out);
  });

  it('loads the modules when the bundle is older than main.js (a tsc-only rebuild)', () => {
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(copy, 'main.js'), later, later);
    const r = runCli(path.join(copy, 'cli.js'), ['--version']);
    expect(r.from).toBe('modules, bundle older than main.js');
    expect(r.code).toBe(0);
  });

  it('runs without the cache, and with a cache V8 refuses', () => {
    const cache = path.join(copy, 'main.bundle.cache');
    fs.writeFileSync(cache, Buffer.from('not a V8 code cache'));
    const refused = runCli(path.join(copy, 'cli.js'), ['--version']);
    fs.rmSync(cache);
    const none = runCli(path.join(copy, 'cli.js'), ['--version']);
    expect([refused.from, none.from]).toEqual(['bundle, code cache rejected', 'bundle, no code cache']);
    expect([refused.code, none.code]).toEqual([0, 0]);
    expect(refused.out).toBe(none.out);
  });
});
