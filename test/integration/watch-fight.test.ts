/**
 * Two `nmteam watch`es whose files both claim eth1 (team teamA: eth0, eth1; team teamB: eth1, eth2) against one
 * real NetworkManager. Each undoes the other's writes; before, they did so forever and without a word (~526 writes
 * in 20 s). Now each notices that it keeps writing the same profile, says so (event `fight`, naming the profile)
 * and pauses its writes to that team.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliPath } from '../harness/sandbox/cli';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { sleep } from '../harness/sandbox/proc';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';

jest.setTimeout(90_000);

type Line = { event: string; team?: string; profile?: string; [k: string]: unknown };

function watch(sb: Sandbox, file: string): { lines: Line[]; child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    'setpriv',
    ['--pdeathsig', 'TERM', process.execPath, cliPath(), 'watch', file, '--no-activate', '--log-format', 'json'],
    {
      env: sb.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: Line[] = [];
  let buf = '';
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Line);
  });
  child.stderr!.resume();
  return { lines, child, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

let sb: Sandbox;
let tmp: string;
beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-fight-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

it('two watches claiming the same member each report the fight, naming the profile, and stop writing', async () => {
  const a = path.join(tmp, 'a.yaml');
  const b = path.join(tmp, 'b.yaml');
  fs.writeFileSync(
    a,
    'network_config:\n  - {type: team, name: teamA, members: [{type: interface, name: eth0}, {type: interface, name: eth1}]}\n',
  );
  fs.writeFileSync(
    b,
    'network_config:\n  - {type: team, name: teamB, members: [{type: interface, name: eth1}, {type: interface, name: eth2}]}\n',
  );
  const wa = watch(sb, a);
  const wb = watch(sb, b);
  try {
    const fights = (): Line[] => [...wa.lines, ...wb.lines].filter((l) => l.event === 'fight');
    const deadline = Date.now() + 45_000;
    while (fights().length === 0 && Date.now() < deadline) await sleep(50);
    expect(fights().length).toBeGreaterThan(0);
    expect(fights()[0]).toMatchObject({ profile: expect.any(String), pauseMs: 60_000 });
    expect(fights()[0]!.writes).toBeGreaterThanOrEqual(10);
    // Once both have noticed (or the one that did holds back), the writes stop.
    await sleep(3000);
    const mon = await monitorCalls(sb);
    await sleep(3000);
    const writes = (await mon.stop()).filter(
      (c) => c.member === 'AddConnection2' || c.member === 'Update2' || c.member === 'Delete',
    );
    expect(writes.length).toBeLessThanOrEqual(10);
  } finally {
    wa.child.kill('SIGTERM');
    wb.child.kill('SIGTERM');
    await Promise.all([wa.exited, wb.exited]);
  }
});
