/**
 * A shared host (issue 14): another client creates, edits and deletes profiles on the same NetworkManager
 * while nmteam applies, fails, rolls back, expires, crashes and recovers, and while `watch` keeps retrying
 * an activation that fails. Every profile of that writer must end byte for byte as the writer last wrote
 * it, and none of its profiles may be gone or appear. Then the cases of the issue one by one: a profile
 * added after a --no-commit apply survives `nmteam rollback`, and an operator's edit of a profile active on
 * a member survives the rollback of a failed activation.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliPath, runNmteam } from '../harness/sandbox/cli';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { resetSandbox } from '../support/nm-state';
import { itWithoutDriver } from '../support/kernel';
import { teamEntry, writeIn } from '../support/spec-text';

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3', 'eth4', 'eth5', 'oth0'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-shared-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const team = teamEntry;
const BEFORE = `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1', 'eth2'], 'eth0')}${team('team1', 'roundrobin', ['eth3'])}`;
const AFTER = `network_config:\n${team('team0', 'loadbalance', ['eth0', 'eth1'], 'eth1')}${team('team2', 'broadcast', ['eth4', 'eth5'])}`;

const file = (name: string, text: string): string => writeIn(tmp, name, text);

/**
 * Another client of the same NetworkManager: creates `w-N` profiles on interfaces nmteam does not manage,
 * edits and deletes some of them, one nmcli call at a time, for as long as it runs. After each of its writes
 * it records the keyfile as NetworkManager wrote it (or its absence): what it "last wrote".
 */
class SecondWriter {
  readonly last = new Map<string, string | undefined>();
  /** Its own profiles it found gone when it went to edit or delete them. */
  readonly vanished: string[] = [];
  writes = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async keyfile(id: string): Promise<string | undefined> {
    return (await sb.keyfiles())[`${id}.nmconnection`];
  }

  private async run(): Promise<void> {
    let n = 0;
    while (!this.stopped) {
      const live = [...this.last].filter(([, v]) => v !== undefined).map(([id]) => id);
      const roll = n % 5;
      let id: string;
      if (roll === 3 && live.length > 2) {
        id = live[n % live.length]!;
        const r = await sb.nmcli([
          'con',
          'mod',
          id,
          '802-3-ethernet.mtu',
          String(1400 + (n % 90)),
          'connection.zone',
          `z${n}`,
        ]);
        if (r.code !== 0) this.vanished.push(`${id} (to edit): ${r.stderr.trim()}`);
      } else if (roll === 4 && live.length > 2) {
        id = live[0]!;
        const r = await sb.nmcli(['con', 'delete', id]);
        if (r.code !== 0) this.vanished.push(`${id} (to delete): ${r.stderr.trim()}`);
      } else {
        id = `w-${n}`;
        const r = await sb.nmcli([
          'con',
          'add',
          'type',
          'ethernet',
          'con-name',
          id,
          'ifname',
          `oth${n % 3}`,
          'connection.autoconnect',
          'no',
        ]);
        if (r.code !== 0) throw new Error(`writer: add ${id}: ${r.stderr}`);
      }
      this.last.set(id, await this.keyfile(id));
      this.writes++;
      n++;
    }
  }

  /** Each of the writer's profiles now, against what it last wrote: differences, as readable lines. */
  async differences(): Promise<string[]> {
    const now = await sb.keyfiles();
    const out: string[] = [];
    for (const [id, text] of this.last) {
      const current = now[`${id}.nmconnection`];
      if (current !== text)
        out.push(
          `${id}: ${text === undefined ? 'deleted by the writer, but present' : current === undefined ? 'gone' : 'changed'}`,
        );
    }
    for (const f of Object.keys(now))
      if (f.startsWith('w-') && !this.last.has(f.replace(/\.nmconnection$/, ''))) out.push(`${f}: appeared`);
    return out;
  }
}

const waitUntil = async (what: string, pred: () => Promise<boolean>, ms = 20_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
};

describe('a second writer on the same NetworkManager is never touched', () => {
  let writer: SecondWriter;

  beforeAll(async () => {
    await resetSandbox(sb);
    expect((await runNmteam(sb, ['apply', file('before.yaml', BEFORE), '--no-activate'])).code).toBe(0);
    writer = new SecondWriter();
    writer.start();
  });

  afterAll(async () => {
    await writer?.stop();
  });

  const settle = async (): Promise<void> => {
    const from = writer.writes;
    await waitUntil('the writer to go on', async () => writer.writes >= from + 3); // its writes interleave with ours
  };

  it('through a successful apply and its way back', async () => {
    expect((await runNmteam(sb, ['apply', path.join(tmp, 'before.yaml'), '--no-activate'])).code).toBe(0);
    expect((await runNmteam(sb, ['apply', file('after.yaml', AFTER), '--no-activate'])).code).toBe(0);
    await settle();
    expect((await runNmteam(sb, ['apply', path.join(tmp, 'before.yaml'), '--no-activate'])).code).toBe(0);
    await settle();
  });

  it('through failed applies, rolled back from a fault at several write positions', async () => {
    for (const n of [1, 4, 7]) {
      const r = await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate'], {
        env: { NMTEAM_INJECT_FAULT: `${n}:pause=300` },
      });
      expect(r.code).toBe(0); // a pause, while the writer writes
      const back = await runNmteam(sb, ['apply', path.join(tmp, 'before.yaml'), '--no-activate'], {
        env: { NMTEAM_INJECT_FAULT: String(n) },
      });
      expect([back.code, back.stdout]).toEqual([
        1,
        expect.stringMatching(/Rolled back: NetworkManager is as it was before this run/),
      ]);
      expect((await runNmteam(sb, ['apply', path.join(tmp, 'before.yaml'), '--no-activate'])).code).toBe(0);
    }
    await settle();
  });

  itWithoutDriver('team')(
    'through a failed activation (no team driver here), rolled back with its checkpoint',
    async () => {
      const r = await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml')]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/Rolled back/);
      await settle();
    },
  );

  it('through --no-commit and rollback', async () => {
    expect(
      (await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate', '--no-commit', '--timeout', '120']))
        .code,
    ).toBe(0);
    await settle();
    expect((await runNmteam(sb, ['rollback'])).code).toBe(0);
    await settle();
  });

  it('through --no-commit left to expire', async () => {
    const before = Object.fromEntries(Object.entries(await sb.keyfiles()).filter(([f]) => !f.startsWith('w-')));
    expect(
      (await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate', '--no-commit', '--timeout', '2']))
        .code,
    ).toBe(0);
    const ours = async (): Promise<Record<string, string>> =>
      Object.fromEntries(Object.entries(await sb.keyfiles()).filter(([f]) => !f.startsWith('w-')));
    await waitUntil(
      'the change to expire and be rolled back',
      async () => JSON.stringify(await ours()) === JSON.stringify(before),
      30_000,
    );
    await settle();
  });

  it('through convert --to-bond --apply --no-commit left to expire', async () => {
    const ours = async (): Promise<Record<string, string>> =>
      Object.fromEntries(Object.entries(await sb.keyfiles()).filter(([f]) => !f.startsWith('w-')));
    const before = await ours();
    const r = await runNmteam(sb, [
      'convert',
      '--to-bond',
      '--from-nm',
      'team1',
      '--apply',
      '--no-activate',
      '--no-commit',
      '--timeout',
      '2',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.stringify(await ours())).not.toBe(JSON.stringify(before)); // team1 became a bond, pending
    await waitUntil(
      'the conversion to expire and be rolled back',
      async () => JSON.stringify(await ours()) === JSON.stringify(before),
      30_000,
    );
    await settle();
  });

  it('through a crash mid-apply and the next run recovering it', async () => {
    const crashed = await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate'], {
      env: { NMTEAM_INJECT_FAULT: '5:exit' },
    });
    expect(crashed.code).toBe(70);
    await settle();
    const next = await runNmteam(sb, ['apply', path.join(tmp, 'before.yaml'), '--no-activate']);
    expect(next.stderr).toMatch(/an interrupted run .* was rolled back/);
    await settle();
  });

  itWithoutDriver('team')('through watch retrying an activation that keeps failing', async () => {
    const child: ChildProcess = spawn(
      'setpriv',
      [
        '--pdeathsig',
        'TERM',
        process.execPath,
        cliPath(),
        'watch',
        path.join(tmp, 'after.yaml'),
        '--log-format',
        'json',
      ],
      { env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await waitUntil(
        'watch to fail an activation twice',
        async () => (out.match(/NM_ACTIVATION_FAILED|did not activate|failed/g) ?? []).length >= 2,
        60_000,
      );
      await settle();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(
      (await runNmteam(sb, ['apply', path.join(tmp, 'before.yaml'), '--no-activate', '--wait-lock', '30'])).code,
    ).toBe(0);
  });

  it('at the end, every profile of the writer is exactly as it last wrote it', async () => {
    await writer.stop();
    expect(writer.writes).toBeGreaterThan(30);
    expect(writer.vanished).toEqual([]);
    expect(await writer.differences()).toEqual([]);
  });
});

describe('the cases of issue 14, one by one', () => {
  beforeEach(async () => {
    await resetSandbox(sb);
    expect((await runNmteam(sb, ['apply', file('before.yaml', BEFORE), '--no-activate'])).code).toBe(0);
  });

  it('a profile another client adds after apply --no-commit survives nmteam rollback', async () => {
    expect(
      (await runNmteam(sb, ['apply', file('after.yaml', AFTER), '--no-activate', '--no-commit', '--timeout', '120']))
        .code,
    ).toBe(0);
    expect(
      (
        await sb.nmcli([
          'con',
          'add',
          'type',
          'ethernet',
          'con-name',
          'sentinel-late',
          'ifname',
          'eth7',
          'autoconnect',
          'no',
        ])
      ).code,
    ).toBe(0);
    const sentinel = (await sb.keyfiles())['sentinel-late.nmconnection'];
    expect(sentinel).toBeDefined();
    const rb = await runNmteam(sb, ['rollback']);
    expect(rb.code).toBe(0);
    expect((await sb.keyfiles())['sentinel-late.nmconnection']).toBe(sentinel);
  });

  itWithoutDriver('team')(
    "an operator's edit of a profile active on a member survives the rollback of a failed activation, and that profile is active there again",
    async () => {
      // 'System oth0' is active on oth0, which the desired state makes a member of team0.
      expect(
        (
          await sb.nmcli([
            'con',
            'add',
            'type',
            'ethernet',
            'con-name',
            'System oth0',
            'ifname',
            'oth0',
            'autoconnect',
            'no',
            'ipv4.method',
            'manual',
            'ipv4.addresses',
            '198.51.100.7/24',
            'ipv6.method',
            'disabled',
          ])
        ).code,
      ).toBe(0);
      expect((await sb.nmcli(['con', 'up', 'System oth0'])).code).toBe(0);
      const withOth0 = `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1', 'oth0'], 'eth0')}${team('team1', 'roundrobin', ['eth3'])}`;
      // Paused before its third write, the operator edits 'System oth0' meanwhile; the activation then fails.
      const run = runNmteam(sb, ['apply', file('oth0.yaml', withOth0)], {
        env: { NMTEAM_INJECT_FAULT: '2:pause=1500' },
      });
      await sleep(700);
      expect(
        (await sb.nmcli(['con', 'mod', 'System oth0', '802-3-ethernet.mtu', '1400', 'connection.zone', 'operator']))
          .code,
      ).toBe(0);
      const edited = (await sb.keyfiles())['System oth0.nmconnection'];
      const r = await run;
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/Rolled back/);
      expect((await sb.keyfiles())['System oth0.nmconnection']).toBe(edited);
      await waitUntil(
        'System oth0 to be active on oth0 again',
        async () =>
          (await sb.nmcli(['-g', 'GENERAL.CONNECTION', 'device', 'show', 'oth0'])).stdout.trim() === 'System oth0',
      );
    },
  );
});
