/**
 * What a rollback restores, against a real NetworkManager: the secrets of a
 * profile the failed run deleted (GetSettings has none; the journal keeps
 * what GetSecrets returned), and a run whose NetworkManager hangs mid-apply
 * (kill -STOP): it ends near its --timeout with a clear error, keeps the
 * journal, and the next run finishes the rollback.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNmteam } from '../harness/sandbox/cli';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { resetSandbox } from '../support/nm-state';
import { teamEntry, writeIn } from '../support/spec-text';

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3', 'eth4'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-rollback-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const team = teamEntry;
// BEFORE → AFTER: team0 loses eth2 (its profile is deleted) and moves its primary (eth0's and eth1's are updated), team1 comes.
const BEFORE = `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1', 'eth2'], 'eth0')}`;
const AFTER = `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1'], 'eth1')}${team('team1', 'roundrobin', ['eth3', 'eth4'])}`;

const file = (name: string, text: string): string => writeIn(tmp, name, text);

async function setUp(): Promise<void> {
  await resetSandbox(sb);
  expect((await runNmteam(sb, ['apply', file('before.yaml', BEFORE), '--no-activate'])).code).toBe(0);
}

/** The plan's profile writes, in order. */
async function writes(): Promise<{ op: string; ifname: string }[]> {
  const plan = JSON.parse(
    (await runNmteam(sb, ['plan', file('after.yaml', AFTER), '--no-activate', '-o', 'json'])).stdout,
  ).plan;
  return plan.steps.filter((s: { op: string }) => s.op !== 'activate');
}

const PASSWORD = 'p@ss w0rd-802.1X';

describe('a failed apply that deleted a member profile holding an 802.1X password', () => {
  beforeAll(async () => {
    await setUp();
    // System-owned (password-flags 0): NetworkManager keeps it in the keyfile; GetSettings never shows it.
    for (const id of ['team-slave-eth2', 'team-slave-eth0']) {
      const r = await sb.nmcli([
        'connection',
        'modify',
        id,
        '802-1x.eap',
        'md5',
        '802-1x.identity',
        'me',
        '802-1x.password',
        PASSWORD,
        '802-1x.password-flags',
        '0',
      ]);
      expect(r.stderr).toBe('');
    }
  });

  it('restores the profile with its password: every keyfile byte for byte as before', async () => {
    const keyfiles = await sb.keyfiles();
    const withPassword = Object.keys(keyfiles).filter((f) => keyfiles[f]!.includes(`password=${PASSWORD}\n`));
    expect(withPassword.sort()).toEqual(['team-slave-eth0.nmconnection', 'team-slave-eth2.nmconnection']);
    const steps = await writes();
    const deleted = steps.findIndex((s) => s.op === 'delete-connection' && s.ifname === 'eth2');
    expect(deleted).toBeGreaterThanOrEqual(0);
    expect(steps.some((s) => s.op === 'update-connection' && s.ifname === 'eth0')).toBe(true);
    // Fail the last write: the deletion and the update of eth0's profile are done by then.
    expect(deleted).toBeLessThan(steps.length - 1);
    for (const output of ['text', 'json']) {
      const r = await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate', '-o', output], {
        env: { NMTEAM_INJECT_FAULT: String(steps.length) },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        output === 'json' ? /"rolledBack": true/ : /Rolled back: NetworkManager is as it was before this run/,
      );
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      expect(await sb.keyfiles()).toEqual(keyfiles);
    }
  });
});

describe('NetworkManager stopped (kill -STOP) in the middle of an apply', () => {
  beforeAll(setUp);

  it('ends the run near its --timeout with a clear error and the journal kept; after kill -CONT the next run finishes the rollback', async () => {
    const keyfiles = await sb.keyfiles();
    const timeoutS = 8;
    const at = 3; // two writes made (journaled), the third about to go
    expect((await writes()).length).toBeGreaterThan(at);
    const journalFile = path.join(sb.dir, 'nmteam-state', 'journal.json');
    const started = Date.now();
    const run = runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate', '--timeout', String(timeoutS)], {
      env: { NMTEAM_INJECT_FAULT: `${at}:pause=3000` },
    });
    const nm = sb.nmPid();
    try {
      // The fault's pause starts once the writes before it are journaled: stop NetworkManager there.
      while (
        (JSON.parse(fs.existsSync(journalFile) ? fs.readFileSync(journalFile, 'utf8') : '{}').entries?.length ?? 0) <
        at - 1
      ) {
        expect(Date.now() - started).toBeLessThan(20_000);
        await new Promise((r) => setTimeout(r, 50));
      }
      process.kill(nm, 'SIGSTOP');
      // Bounded here, not by jest's timeout, so that the finally below lets NetworkManager go on either way.
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<undefined>(
        (res) => (timer = setTimeout(() => res(undefined), (timeoutS + 15) * 1000 - (Date.now() - started))),
      );
      const r = await Promise.race([run, bound]).finally(() => clearTimeout(timer));
      expect(r).toBeDefined(); // the run ended within --timeout + 15 s
      if (!r) return;
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/NetworkManager did not answer .* nmteam stopped calling it/);
      expect(r.stdout).toMatch(/the undo journal is kept: the next nmteam run .* finishes the rollback/);
      expect(fs.existsSync(journalFile)).toBe(true);
      expect(fs.statSync(journalFile).mode & 0o777).toBe(0o600);
    } finally {
      process.kill(nm, 'SIGCONT');
    }
    const rb = await runNmteam(sb, ['rollback']);
    expect(rb.stderr).toBe('');
    expect(rb.code).toBe(0);
    expect(fs.existsSync(journalFile)).toBe(false);
    expect(await sb.keyfiles()).toEqual(keyfiles);
  }, 120_000);
});
