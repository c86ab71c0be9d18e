/**
 * Brownfield hosts (issue 16) on the real sandbox NetworkManager: `nmteam import` prints the teams nmteam does
 * not own as desired state, `show --all` marks them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNmteam } from '../../src/sandbox/cli';
import { monitorCalls } from '../../src/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox';
import { parseSpec } from '../../src/spec/parse';
import { resetSandbox } from '../support/nm-state';

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3', 'eth4'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-import-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => resetSandbox(sb));

function file(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}
const nmcli = async (...args: string[]): Promise<void> => {
  const r = await sb.nmcli(args);
  if (r.code !== 0) throw new Error(`nmcli ${args.join(' ')}: ${r.stderr}`);
};

/** team9 as an operator makes it by hand: activebackup, eth1 preferred (prio 100), a static address. */
async function handMadeTeam(): Promise<void> {
  await nmcli('con', 'add', 'type', 'team', 'con-name', 'team9', 'ifname', 'team9', 'team.config', '{"runner": {"name": "activebackup"}}',
    'ipv4.method', 'manual', 'ipv4.addresses', '192.0.2.9/24', 'ipv6.method', 'ignore', 'connection.autoconnect', 'no');
  await nmcli('con', 'add', 'type', 'ethernet', 'con-name', 'team9-port1', 'ifname', 'eth1', 'master', 'team9', 'slave-type', 'team',
    'team-port.config', '{"prio": 100}', 'connection.autoconnect', 'no');
  await nmcli('con', 'add', 'type', 'ethernet', 'con-name', 'team9-port2', 'ifname', 'eth2', 'master', 'team9', 'slave-type', 'team', 'connection.autoconnect', 'no');
}

const OWNED = `network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "roundrobin"}}'
    members:
      - {type: interface, name: eth0}
`;

describe('nmteam import', () => {
  it('prints a team made with nmcli as desired state that parses back to the same team, and only the unowned ones', async () => {
    await handMadeTeam();
    expect((await runNmteam(sb, ['apply', file('owned.yaml', OWNED), '--no-activate'])).code).toBe(0);
    const mon = await monitorCalls(sb);
    const r = await runNmteam(sb, ['import']);
    await mon.stop();
    expect(r.code).toBe(0);
    expect(mon.writes()).toEqual([]);
    expect(r.stdout).toMatch(/^# Teams NetworkManager has that nmteam scope 'default' does not own yet/);
    expect(r.stdout).toMatch(/# 'nmteam apply --adopt FILE' takes them over in place/);
    expect(r.stdout).toMatch(/ {2}# not owned by nmteam\n {2}- type: team\n {4}name: team9\n/);
    expect(r.stdout).not.toMatch(/team0/);
    const parsed = parseSpec(r.stdout);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const [t9, ...rest] = parsed.spec.teams;
    expect(rest).toEqual([]);
    expect(t9).toMatchObject({ name: 'team9', config: { runner: { name: 'activebackup' } }, autoconnect: false });
    expect(t9!.ports.map((p) => [p.name, p.config])).toEqual([['eth1', { prio: 100 }], ['eth2', {}]]);
    expect(t9!.ipv4).toMatchObject({ method: 'manual', addresses: ['192.0.2.9/24'] });
    expect(t9!.ipv6.method).toBe('ignore');

    // The imported file names a team nmteam does not own: planning it is refused, never a second team profile.
    const f = file('imported.yaml', r.stdout);
    const plan = await runNmteam(sb, ['plan', f]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toMatch(/team9: BLOCKING conflict: profile 'team9' \(team, not owned by nmteam\)/);

    const json = await runNmteam(sb, ['import', '--output', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({ network_config: [expect.objectContaining({ type: 'team', name: 'team9' })] });
  });

  it('names: an unknown or owned name exits 1; --scope counts the default scope as not ours and says so', async () => {
    await handMadeTeam();
    expect((await runNmteam(sb, ['apply', file('owned.yaml', OWNED), '--no-activate'])).code).toBe(0);
    const one = await runNmteam(sb, ['import', 'team9']);
    expect(one.code).toBe(0);
    const bad = await runNmteam(sb, ['import', 'team0', 'nosuch']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no team named team0, nosuch that nmteam scope 'default' does not own/);
    const lab = await runNmteam(sb, ['import', '--scope', 'lab']);
    expect(lab.code).toBe(0);
    expect(lab.stdout).toMatch(/ {2}# owned by nmteam scope 'default'\n {2}- type: team\n {4}name: team0\n/);
    expect(lab.stdout).toMatch(/ {2}# not owned by nmteam\n {2}- type: team\n {4}name: team9\n/);
    expect(lab.stdout).toMatch(/'nmteam apply --adopt --scope lab FILE'/);
  });
});

describe('show --all', () => {
  it('marks the teams nmteam does not own; show | apply - stays a no-op for the owned ones', async () => {
    await handMadeTeam();
    expect((await runNmteam(sb, ['apply', file('owned.yaml', OWNED), '--no-activate'])).code).toBe(0);
    const all = await runNmteam(sb, ['show', '--all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/network_config:\n {2}- type: team\n {4}name: team0\n/);
    expect(all.stdout).toMatch(/ {2}# not owned by nmteam\n {2}- type: team\n {4}name: team9\n/);
    const show = await runNmteam(sb, ['show']);
    expect(show.stdout).not.toMatch(/#/);
    const mon = await monitorCalls(sb);
    const again = await runNmteam(sb, ['apply', '-', '--no-activate', '--detailed-exit-codes'], { input: show.stdout });
    await mon.stop();
    expect(again.code).toBe(0);
    expect(mon.writes()).toEqual([]);
  });
});
