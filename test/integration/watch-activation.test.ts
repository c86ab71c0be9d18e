/**
 * Watch brings a team that is down back up through the one reconcile path (issue 15): the activation is an
 * `activate` step of the transaction, under a checkpoint with the journal open, rolled back and reported like
 * an apply's. The sandbox kernel has no team driver, so activating team0 fails for real: the run must fail,
 * say it rolled back, name the failed step, and leave NetworkManager as it was (every keyfile byte for byte,
 * the members' device states) with no journal left behind. On a kernel with the driver the test is skipped
 * (test:vm proves activation).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNmteam } from '../harness/sandbox/cli';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { sleep } from '../harness/sandbox/proc';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { ACTIVEBACKUP_SPEC, resetSandbox } from '../support/nm-state';
import { itWithoutDriver } from '../support/kernel';
import { nmcliOk } from '../support/spec-text';

jest.setTimeout(120_000);

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-watch-activation-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const nmcli = async (args: string[]): Promise<string> => (await nmcliOk(sb, ...args)).trim();

const deviceStates = async (): Promise<string[]> =>
  Promise.all(
    ['eth0', 'eth1', 'eth2', 'eth3'].map(
      async (d) => `${d} ${await nmcli(['-g', 'GENERAL.STATE', 'device', 'show', d])}`,
    ),
  );

/** Until `pred` holds, polling; a generous deadline (the host is shared). */
async function waitUntil(what: string, pred: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

itWithoutDriver('team')(
  'a team that is down is activated inside the transaction; a failed activation is rolled back, reported as a step',
  async () => {
    await resetSandbox(sb);
    // Profiles nmteam did not create: a team profile of another tool, and an ethernet profile active on eth3.
    await nmcli([
      'connection',
      'add',
      'type',
      'team',
      'con-name',
      'legacy',
      'ifname',
      'team7',
      'connection.autoconnect',
      'no',
    ]);
    await nmcli([
      'connection',
      'add',
      'type',
      'ethernet',
      'con-name',
      'bystander',
      'ifname',
      'eth3',
      'connection.autoconnect',
      'no',
      'ipv4.method',
      'manual',
      'ipv4.addresses',
      '198.51.100.3/24',
      'ipv6.method',
      'disabled',
    ]);
    await nmcli(['connection', 'up', 'bystander']);
    const file = path.join(tmp, 'teams.yaml');
    fs.writeFileSync(file, ACTIVEBACKUP_SPEC);
    // team0's profiles in place, the team down (onboot: the team autoconnects, so watch must bring it up).
    expect((await runNmteam(sb, ['apply', file, '--no-activate'])).code).toBe(0);
    const keyfiles = await sb.keyfiles();
    expect(Object.keys(keyfiles).sort()).toEqual([
      'bystander.nmconnection',
      'legacy.nmconnection',
      'team-slave-eth0.nmconnection',
      'team-slave-eth1.nmconnection',
      'team-slave-eth2.nmconnection',
      'team0.nmconnection',
    ]);
    const devices = await deviceStates();

    const mon = await monitorCalls(sb);
    const r = await runNmteam(sb, ['watch', file, '--once', '--log-format', 'json', '--timeout', '30']);
    const calls = (await mon.stop()).map((c) => c.member);

    // Reported: the run failed, was rolled back, and the activation is a step result of its own.
    expect(r.code).toBe(1);
    const lines = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.event === 'reconcile');
    expect(line).toMatchObject({
      team: 'team0',
      result: 'failed',
      rolledBack: true,
      changed: [],
      drift: ['team0 is down (no device)'],
      steps: [{ op: 'activate', target: 'team0', outcome: 'failed', error: 'NM_ACTIVATION_FAILED' }],
      errors: [
        {
          code: 'NM_ACTIVATION_FAILED',
          message: expect.stringMatching(/team0.*(Operation not supported|CreationFailed)/),
        },
      ],
    });
    // Inside the transaction: the checkpoint taken before the activation, rolled back after it failed.
    const cp = calls.filter((m) => m.startsWith('Checkpoint') || m === 'ActivateConnection');
    expect(cp).toEqual(['CheckpointCreate', 'ActivateConnection', 'CheckpointRollback']);
    expect(calls.filter((m) => ['AddConnection2', 'Update2', 'Delete'].includes(m))).toEqual([]); // no profile written
    // The journal was opened for the run and removed once the rollback was complete.
    expect(fs.existsSync(path.join(sb.env.NMTEAM_STATE_DIR!, 'journal.json'))).toBe(false);

    // NetworkManager as before: every keyfile byte for byte, the devices back in their states, bystander still up.
    expect(await sb.keyfiles()).toEqual(keyfiles);
    await waitUntil(
      'the devices to return to their states',
      async () => JSON.stringify(await deviceStates()) === JSON.stringify(devices),
    );
    expect(await nmcli(['-g', 'GENERAL.CONNECTION', 'device', 'show', 'eth3'])).toBe('bystander');
  },
);
