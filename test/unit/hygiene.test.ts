/**
 * Safety rules that are easy to break by accident: nmteam never runs a shell
 * (or any child process outside the test sandbox, the demo and the lock's flock(1)), and never
 * prints its environment.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/main';

const SRC = path.resolve(__dirname, '../../src');
const HARNESS = path.resolve(__dirname, '../harness');

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
}

describe('hygiene', () => {
  const all = files(SRC);

  it('in the product only the lock (flock(1)) and the expiry start processes, and nothing (test harness included) uses a shell', () => {
    const spawning = all
      .filter((f) => /from 'node:child_process'|require\('(node:)?child_process'\)/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    // commands/expiry.ts starts nmteam itself (process.execPath, fixed arguments) for a pending change's expiry.
    expect(spawning.filter((f) => !(f === 'state/lock.ts' || f === 'commands/expiry.ts'))).toEqual([]);
    // The lock runs util-linux's flock(1) and nothing else, with an empty environment.
    const lock = fs.readFileSync(path.join(SRC, 'state/lock.ts'), 'utf8');
    expect(lock.match(/spawn\w*\(/g)).toEqual(['spawnSync(']);
    expect(lock).toMatch(/spawnSync\(flockCommand\(\), \[[^\]]*\], \{[^}]*env: \{\},/);
    for (const f of [...all, ...files(HARNESS)]) {
      const text = fs.readFileSync(f, 'utf8');
      expect([f, /shell:\s*true|\bexecSync\(|[^.\w]exec\(|\bexecFile(Sync)?\(.*shell/.test(text)]).toEqual([f, false]);
    }
  });

  it('the sandbox passes data to its shell script as arguments, never inside the script text', () => {
    const text = fs.readFileSync(path.join(HARNESS, 'sandbox/config.ts'), 'utf8');
    const literal = /HOLDER_SCRIPT = `([^`]*)`/.exec(text)?.[1];
    expect(literal).toBeDefined();
    expect(literal).not.toContain('${'); // no template interpolation into the script
  });

  it('prints no environment values, whatever fails', async () => {
    const secret = 'nmteam-probe-7f3a9c';
    const saved = { ...process.env };
    process.env.NMTEAM_PROBE_SECRET = secret;
    process.env.DBUS_SYSTEM_BUS_ADDRESS = 'unix:path=/nonexistent/bus';
    try {
      const out: string[] = [];
      const io = { out: (s: string) => void out.push(s), err: (s: string) => void out.push(s) };
      await main(['show'], io);
      await main(['apply', '/nonexistent.yaml'], io);
      await main(['plan', path.resolve(__dirname, '../../examples/activebackup.yaml')], io);
      expect(out.join('')).not.toContain(secret);
      expect(out.join('')).not.toMatch(/NMTEAM_PROBE_SECRET|PATH=|HOME=/);
    } finally {
      process.env = saved;
    }
  });

  it("tests run with a scratch state directory, never the host's /run/nmteam (jest setup)", () => {
    // test/support/state-guard.ts also fails any file during which /run/nmteam changed.
    expect(process.env.NMTEAM_STATE_DIR?.startsWith(os.tmpdir() + path.sep)).toBe(true);
    const config = require('../../jest.config.js') as {
      projects: { displayName: string; setupFilesAfterEnv?: string[] }[];
    };
    for (const name of ['unit', 'integration']) {
      expect(config.projects.find((p) => p.displayName === name)?.setupFilesAfterEnv).toContain(
        '<rootDir>/test/support/state-guard.ts',
      );
    }
  });
});
