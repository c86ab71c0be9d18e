import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT, main } from '../../src/main';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) } };
}

describe('cli without NetworkManager', () => {
  const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-cli-'));
    process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${dir}/no-bus`;
  });
  afterAll(() => {
    process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports invalid input (exit 3) before it needs the bus, with file:line:col and path', async () => {
    const f = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      f,
      'network_config:\n  - type: team\n    name: team0\n    members: [{type: interface, name: eth0, primery: true}]\n',
    );
    const t = io();
    expect(await main(['apply', f], t.io)).toBe(EXIT.invalidInput);
    expect(t.err.join('')).toContain(`${f}:4:`);
    expect(t.err.join('')).toContain('network_config[0].members[0].primery');
    expect(t.err.join('')).toContain("did you mean 'primary'");
  });

  it('with -o json also reports a failure as JSON on stdout: each error with code, file, loc and path', async () => {
    const f = path.join(dir, 'bad-json.yaml');
    const yaml = 'network_config:\n  - type: team\n    name: team0\n    mtuu: 9000\n';
    fs.writeFileSync(f, yaml + '    members: [{type: interface, name: eth0, primery: true}]\n');
    for (const cmd of ['plan', 'apply']) {
      const t = io();
      expect(await main([cmd, f, '-o', 'json'], t.io)).toBe(EXIT.invalidInput);
      const body = JSON.parse(t.out.join('')) as { ok: boolean; exitCode: number; errors: Record<string, unknown>[] };
      expect(body).toMatchObject({ ok: false, exitCode: 3 });
      expect(body.errors.map((e) => [e.code, e.file, e.path])).toEqual([
        ['UNKNOWN_KEY', f, 'network_config[0].mtuu'],
        ['UNKNOWN_KEY', f, 'network_config[0].members[0].primery'],
      ]);
      expect(body.errors.map((e) => e.loc)).toEqual([
        { line: 4, col: 5 },
        { line: 5, col: expect.any(Number) },
      ]);
      expect(t.err.join('')).toContain(`${f}:4:`); // the text stays on stderr
    }
    const text = io();
    expect(await main(['plan', f], text.io)).toBe(EXIT.invalidInput);
    expect(text.out).toEqual([]); // text output: errors on stderr only
  });

  it('commit and rollback -o json: nothing pending is a JSON error with its code (exit 1)', async () => {
    for (const cmd of ['commit', 'rollback']) {
      const t = io();
      expect(await main([cmd, '-o', 'json'], t.io)).toBe(EXIT.failure);
      const nothing = [expect.objectContaining({ code: 'NOTHING_PENDING' })];
      expect(JSON.parse(t.out.join(''))).toEqual({ ok: false, exitCode: 1, errors: nothing });
    }
  });

  it('prints warnings on stderr (file:line:col: path: warning:) and --strict makes them errors (exit 3)', async () => {
    const f = path.join(dir, 'warn.yaml');
    fs.writeFileSync(
      f,
      'network_config:\n  - type: team\n    name: team0\n    persist_mapping: false\n    members: [{type: interface, name: eth0}]\n',
    );
    const t = io();
    expect(await main(['plan', f], t.io)).toBe(EXIT.failure); // no bus here: the warning came first
    expect(t.err.join('')).toContain(
      `${f}:4:5: network_config[0].persist_mapping: warning: 'persist_mapping' has no effect`,
    );
    const s = io();
    expect(await main(['plan', '--strict', f], s.io)).toBe(EXIT.invalidInput);
    expect(s.err.join('')).toContain(`${f}:4:5: network_config[0].persist_mapping: 'persist_mapping' has no effect`);
    expect(s.err.join('')).toContain('nothing was applied');
  });

  it('prints terminal control sequences from the input escaped, never raw', async () => {
    const f = path.join(dir, 'evil\x1b]0;title\x07.yaml');
    fs.writeFileSync(
      f,
      'network_config:\n  - type: team\n    name: "t\\e[2J0"\n    "\\e]0;x\\a": 1\n    members: [{type: interface, name: "e\\x9b1"}]\n',
    );
    const t = io();
    expect(await main(['plan', f], t.io)).toBe(EXIT.invalidInput);
    const err = t.err.join('');
    expect(err).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(err).toContain('evil\\u001b]0;title\\u0007.yaml');
    expect(err).toContain('\\u001b]0;x\\u0007');
  });

  it('fails with exit 1 and a clear message, not a hang, when the bus is not there', async () => {
    const t = io();
    expect(await main(['show'], t.io)).toBe(EXIT.failure);
    expect(t.err.join('')).toMatch(/D-Bus connection failed/);
  });

  it('documents every command and the exit codes in --help', async () => {
    const t = io();
    expect(await main(['--help'], t.io)).toBe(0);
    const help = t.out.join('');
    for (const cmd of ['plan', 'apply', 'show']) expect(help).toContain(cmd);
    expect(help).toMatch(/3 invalid desired state/);
  });

  it('rejects an unknown option with a usage error', async () => {
    const t = io();
    expect(await main(['apply', 'x.yaml', '--bogus'], t.io)).toBe(1);
    expect(t.err.join('')).toMatch(/unknown option '--bogus'/);
  });
});

describe('cli convert', () => {
  it('converts the linux_bond entries of an os-net-config file and leaves the rest byte for byte', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-cli-convert-'));
    const f = path.join(dir, 'onc.yaml');
    const other = '  - type: interface   # untouched\n    name: em3\n';
    fs.writeFileSync(
      f,
      `# mine\nnetwork_config:\n  - type: linux_bond\n    name: bond1\n    bonding_options: "mode=active-backup miimon=100"\n    members:\n      - {type: interface, name: em1, primary: true}\n      - {type: interface, name: em2}\n${other}`,
    );
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['convert', f], { out: (s) => void out.push(s), err: (s) => void err.push(s) });
    expect([code, err.join('')]).toEqual([0, expect.any(String)]); // warnings, if any, go to stderr
    const text = out.join('');
    expect(text).toContain('  - type: team\n    name: bond1\n');
    expect(text).toContain(`'{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"}}'`);
    expect(text.startsWith('# mine\nnetwork_config:\n')).toBe(true);
    expect(text.endsWith(other)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
