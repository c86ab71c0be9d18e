/**
 * Watch backs off while another nmteam run owns the change (docs/watch.md, "Each reconcile takes the
 * same lock and undo journal as apply"): while an `apply --no-commit` is pending it writes nothing and retries,
 * and enforces the desired state once the change is committed; while a run holds the lock it waits, and
 * reconciles after that run. A real `nmteam watch` against a real NetworkManager; writes counted on the bus.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNmteam } from '../harness/sandbox/cli';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { sleep } from '../harness/sandbox/proc';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { ACTIVEBACKUP_SPEC, resetSandbox } from '../support/nm-state';
import { Watcher } from '../support/watcher';

jest.setTimeout(120_000);

let sb: Sandbox;
let tmp: string;
let watcher: Watcher | undefined;

// The watched state, and another one whose apply writes twice: it deletes team-slave-eth2, then updates team0.
const WATCHED = ACTIVEBACKUP_SPEC;
const OTHER = ACTIVEBACKUP_SPEC.replace('activebackup', 'loadbalance').replace(
  '      - {type: interface, name: eth2}\n',
  '',
);

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-watch-backoff-'));
  fs.writeFileSync(path.join(tmp, 'watched.yaml'), WATCHED);
  fs.writeFileSync(path.join(tmp, 'other.yaml'), OTHER);
});
afterAll(async () => {
  watcher?.signal('SIGKILL');
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await resetSandbox(sb);
  expect((await runNmteam(sb, ['apply', path.join(tmp, 'watched.yaml'), '--no-activate'])).code).toBe(0);
});
afterEach(async () => {
  watcher?.signal('SIGTERM');
  if (watcher) expect(await watcher.exited()).toBe(0);
  watcher = undefined;
});

const runner = async (): Promise<string> =>
  JSON.parse(
    (await sb.nmcli(['--escape', 'no', '-g', 'team.config', 'connection', 'show', 'team0'])).stdout.trim() || 'null',
  )?.runner?.name;
const errorCodes = (w: Watcher): string[] =>
  w.reconciles().flatMap((l) => ((l.errors ?? []) as { code: string }[]).map((e) => e.code));

it('while an apply --no-commit is pending: writes nothing, says it waits, retries; after commit it enforces its state', async () => {
  const pending = await runNmteam(sb, [
    'apply',
    path.join(tmp, 'other.yaml'),
    '--no-activate',
    '--no-commit',
    '--timeout',
    '30',
  ]);
  expect([pending.code, pending.stdout]).toEqual([0, expect.stringMatching(/The change is pending/)]);
  const keyfiles = await sb.keyfiles();
  const mon = await monitorCalls(sb);
  try {
    watcher = new Watcher(sb, path.join(tmp, 'watched.yaml'));
    // Retried, not given up: at least two reconciles refused (backoff 0.5 s, 1 s, ...), each logged with the reason.
    await watcher.waitFor(
      'two reconciles refused while the change is pending',
      () => errorCodes(watcher!).filter((c) => c === 'PENDING_COMMIT').length >= 2,
      30_000,
    );
    const refused = watcher.reconciles().find((l) => l.result === 'error')!;
    expect(refused).toMatchObject({
      team: 'team0',
      errors: [
        { code: 'PENDING_COMMIT', message: expect.stringMatching(/awaits 'nmteam commit' or 'nmteam rollback'/) },
      ],
      retryInMs: expect.any(Number),
    });
    expect(mon.writes()).toEqual([]);
    expect(await sb.keyfiles()).toEqual(keyfiles);
    expect(await runner()).toBe('loadbalance');

    const commit = await runNmteam(sb, ['commit', '--wait-lock', '30']);
    expect(commit.code).toBe(0);
    // The next retry (at most 30 s of backoff away) finds nothing pending and brings back the watched state.
    await watcher.waitFor(
      'watch to enforce its state after the commit',
      async () =>
        (await runner()) === 'activebackup' && (await sb.nmcli(['connection', 'show', 'team-slave-eth2'])).code === 0,
      60_000,
    );
    expect(watcher.reconciles().some((l) => l.result === 'corrected')).toBe(true);
  } finally {
    await mon.stop();
  }
});

it('while another run holds the lock: waits for it (lock-wait), writes nothing meanwhile, then reconciles', async () => {
  const lockFile = path.join(sb.env.NMTEAM_STATE_DIR!, 'lock');
  const mon = await monitorCalls(sb);
  try {
    // The apply deletes team-slave-eth2, then pauses 6 s holding the lock before its second write.
    const apply = runNmteam(sb, ['apply', path.join(tmp, 'other.yaml'), '--no-activate'], {
      env: { NMTEAM_INJECT_FAULT: '2:pause=6000' },
    });
    const deadline = Date.now() + 30_000;
    while (!mon.writes().some((w) => w.member === 'Delete') && Date.now() < deadline) await sleep(50);
    expect(mon.writes().map((w) => w.member)).toContain('Delete');
    expect(fs.readFileSync(lockFile, 'utf8')).toMatch(/^\d+\n$/);
    watcher = new Watcher(sb, path.join(tmp, 'watched.yaml'));
    await watcher.waitFor(
      'watch to wait for the lock',
      () => watcher!.lines.some((l) => l.event === 'lock-wait'),
      30_000,
    );
    expect(watcher.lines.find((l) => l.event === 'lock-wait')).toMatchObject({ pid: expect.any(Number) });
    const done = await apply;
    expect(done.code).toBe(0);
    const byApply = mon.writes();
    // Everything written while the apply ran was the apply's: one sender, never the watcher.
    expect(new Set(byApply.map((w) => w.sender)).size).toBe(1);
    expect(byApply.map((w) => w.member).filter((m) => !m.startsWith('Checkpoint'))).toEqual(['Delete', 'Update2']);
    await watcher.waitFor(
      'watch to reconcile after the apply',
      async () =>
        (await runner()) === 'activebackup' && (await sb.nmcli(['connection', 'show', 'team-slave-eth2'])).code === 0,
      60_000,
    );
    const after = mon.writes().slice(byApply.length);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((w) => w.sender !== byApply[0]!.sender)).toBe(true);
  } finally {
    await mon.stop();
  }
});
