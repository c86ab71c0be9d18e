/**
 * What a person sees on a terminal (issue 18), in a real pseudo-terminal: the CLI runs under util-linux
 * `script -qfec`, so its stdout and stderr are a TTY, against the sandbox NetworkManager, so the plan is real.
 * The plan is coloured on a TTY; plain with NO_COLOR=1 and when piped. A long apply shows its progress on a
 * TTY as one status line rewritten in place (and erased before the result); none with -o json or when piped.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliPath, runNmteam } from '../harness/sandbox/cli';
import { run } from '../harness/sandbox/proc';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { resetSandbox } from '../support/nm-state';
import { writeIn } from '../support/spec-text';

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-tty-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => resetSandbox(sb));

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** nmteam ARGS in a pseudo-terminal: stdout and stderr both the TTY, so their text arrives as one stream. */
async function inPty(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; tty: string }> {
  // 200 columns: a new pseudo-terminal has no width, and the status line is cut to the terminal's.
  const command = `stty cols 200 && exec ${[process.execPath, cliPath(), ...args].map(quote).join(' ')}`;
  const base: NodeJS.ProcessEnv = { ...sb.env, TERM: 'xterm', ...env };
  if (env.NO_COLOR === undefined) delete base.NO_COLOR; // the sandbox's env sets it for the piped tests
  const r = await run('script', ['-qfec', command, '/dev/null'], { env: base });
  return { code: r.code, tty: r.stdout.replace(/\r\n/g, '\n') };
}

const SGR = /\x1b\[[0-9;]*m/; // eslint-disable-line no-control-regex
const GREEN = '\x1b[32m';
const YELLOW = '\x1b[33m';
const RED = '\x1b[31m';

const TEAM = (prio: number): string => `network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "activebackup"}}'
    members:
      - {type: interface, name: eth0, prio: ${prio}}
      - {type: interface, name: eth1}
`;

describe('the plan on a terminal', () => {
  it('is coloured on a TTY: creations green, changes yellow (old → new), removals red (old value)', async () => {
    const fresh = await inPty(['plan', writeIn(tmp, 'new.yaml', TEAM(10))]);
    expect(fresh.code).toBe(0);
    expect(fresh.tty).toContain(`${GREEN}team0: create team profile 'team0' (team0)`);
    expect((await runNmteam(sb, ['apply', writeIn(tmp, 'ten.yaml', TEAM(10)), '--no-activate'])).code).toBe(0);
    const changed = await inPty(['plan', '--no-activate', writeIn(tmp, 'twenty.yaml', TEAM(20))]);
    expect(changed.code).toBe(0);
    expect(changed.tty).toContain(`${YELLOW}    ~ /team-port/prio: 10 → 20`);
    const removed = await inPty([
      'plan',
      '--no-activate',
      writeIn(tmp, 'none.yaml', TEAM(10).replace(', prio: 10', '')),
    ]);
    expect(removed.tty).toContain(`${RED}    - /team-port/prio: 10`);
  });

  it('is plain with NO_COLOR=1 on a TTY, and when piped, and the text is the same', async () => {
    const f = writeIn(tmp, 'plain.yaml', TEAM(10));
    const noColor = await inPty(['plan', f], { NO_COLOR: '1' });
    const piped = await runNmteam(sb, ['plan', f]);
    expect(noColor.code).toBe(0);
    expect(piped.code).toBe(0);
    expect(noColor.tty).not.toMatch(SGR);
    expect(piped.stdout).not.toMatch(SGR);
    expect(noColor.tty).toContain("team0: create team profile 'team0' (team0)");
    expect(noColor.tty).toContain(piped.stdout);
  });
});

describe('progress of an apply', () => {
  const STATUS = 'activating: 0/1 teams up, 0/2 ports attached; waiting for team0: NetworkManager to activate it';

  it('on a TTY: one status line on stderr, rewritten in place, erased before the result', async () => {
    const r = await inPty(['apply', writeIn(tmp, 'up.yaml', TEAM(10))]);
    // The sandbox kernel may lack the team driver: the activation then fails and is rolled back; either way the
    // activation was awaited, and the status line said so.
    const at = r.tty.indexOf(`\r\x1b[K${STATUS}`);
    expect(at).toBeGreaterThanOrEqual(0);
    const erased = r.tty.indexOf('\r\x1b[K', at + 1);
    expect(erased).toBeGreaterThan(at);
    const result = r.tty.search(/^(Applied: |team0: FAILED )/m);
    expect(result).toBeGreaterThan(erased);
  });

  it('none with -o json on a TTY, and none when piped', async () => {
    const json = await inPty(['apply', '-o', 'json', writeIn(tmp, 'json.yaml', TEAM(10))]);
    expect(json.tty).toContain('"plan"');
    expect(json.tty).not.toContain('activating:');
    await resetSandbox(sb);
    const piped = await runNmteam(sb, ['apply', writeIn(tmp, 'piped.yaml', TEAM(10))]);
    expect(piped.stderr).not.toContain('activating:');
    expect(piped.stderr).not.toContain('\x1b[K');
  });
});
