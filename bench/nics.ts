/**
 * The member NICs for a benchmark sandbox: one veth per member inside the
 * sandbox's network namespace, with its peer in a namespace of its own.
 * The sandbox's addDevice keeps both ends next to NetworkManager, which then
 * sees twice the devices a real host with 4N NICs has, and every contender
 * that lists devices (nmcli above all) would pay for the extra half.
 * One `ip -batch` instead of two `ip` processes per device: 400 veths take
 * under a second instead of about ten.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { IFACE, NM_PATH, NmBus } from '../src/bus/dbus';
import { PEER_PREFIX, type Sandbox } from '../test/harness/sandbox/sandbox';
import { type Runner, sleep } from './measure';

export interface MemberNics {
  /** Devices NetworkManager lists once they are all in (lo included). */
  nmDevices: number;
  /** From the first `ip link add` until NetworkManager lists them all and went idle. */
  setupMs: number;
  stop(): Promise<void>;
}

const netns = (pid: number): string | undefined => {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
};

async function startPeerNamespace(): Promise<ChildProcess> {
  // pdeathsig: the namespace (and with it every veth pair) dies with the benchmark, whatever happens.
  const holder = spawn('setpriv', ['--pdeathsig', 'KILL', 'unshare', '--net', 'sleep', 'infinity'], {
    stdio: 'ignore',
  });
  holder.on('error', () => undefined);
  holder.unref();
  const pid = holder.pid;
  if (pid === undefined) throw new Error('cannot start the peer namespace (setpriv/unshare missing?)');
  const deadline = Date.now() + 5_000;
  // setpriv and unshare exec in place: the PID is the sleep's once it runs in its own namespace.
  while (Date.now() < deadline) {
    if (holder.exitCode !== null) break;
    const ns = netns(pid);
    if (ns && ns !== netns(process.pid)) return holder;
    await sleep(10);
  }
  holder.kill('SIGKILL');
  throw new Error('the peer namespace did not come up');
}

/** How many devices NetworkManager lists (Manager.GetDevices). */
export async function countNmDevices(bus: NmBus): Promise<number> {
  const [paths] = (await bus.call({ path: NM_PATH, iface: IFACE.manager, member: 'GetDevices' })) as [string[]];
  return paths.length;
}

export async function addMemberNics(sb: Sandbox, names: string[], runner: Runner, bus: NmBus): Promise<MemberNics> {
  for (const n of names)
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(n) || n.startsWith('-')) throw new Error(`bad device name ${JSON.stringify(n)}`);
  const t0 = performance.now();
  const before = await countNmDevices(bus);
  const holder = await startPeerNamespace();
  const pid = holder.pid!;
  const stop = async (): Promise<void> => {
    if (holder.exitCode !== null || holder.signalCode !== null) return;
    const exited = new Promise((r) => holder.once('exit', r));
    holder.ref(); // unref'd while it idles; keep the loop alive until its exit is seen
    holder.kill('SIGKILL');
    await exited;
  };
  try {
    const peer = (n: string): string => `${PEER_PREFIX}${n}`.slice(0, 15);
    const add = runner.file(
      'nics-add.batch',
      names.map((n) => `link add name ${n} type veth peer name ${peer(n)} netns ${pid}\n`).join(''),
    );
    const up = runner.file('nics-up.batch', names.map((n) => `link set dev ${peer(n)} up\n`).join(''));
    const r = await sb.ip(['-batch', add]);
    if (r.code !== 0) throw new Error(`ip -batch (add) failed: ${r.stderr.trim()}`);
    const u = await runner.run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-batch', up], process.env);
    if (u.code !== 0) throw new Error(`ip -batch (peers up) failed: ${u.stderr.trim()}`);
    const want = before + names.length;
    const deadline = Date.now() + 60_000;
    let seen = before;
    while ((seen = await countNmDevices(bus)) < want) {
      if (Date.now() > deadline) throw new Error(`NetworkManager lists ${seen} devices, expected ${want}`);
      await sleep(100);
    }
    return { nmDevices: seen, setupMs: performance.now() - t0, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
