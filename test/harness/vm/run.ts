/**
 * Boot the team VM for one scenario and bring its results back.
 *
 * The guest is QEMU software emulation (TCG) of Debian's kernel with the
 * host's root shared read-only over 9p under a tmpfs overlay, so it runs the
 * host's NetworkManager, teamd and this checkout's `dist/cli.js` in place. The
 * only writable path back is the results share (`/nmteam-out` in the guest),
 * where the scenario writes `results.jsonl` and the guest scripts write
 * `timing.jsonl`, `exit-code`, `scenario.log`, `nm.log` and `dmesg.log`.
 * No NIC: nothing leaves the guest.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../sandbox/cli';
import { guestFile, type VmImage } from './prepare';

export interface RunOptions {
  /** Where results go; default a fresh folder under os.tmpdir(). Kept after the run. */
  outDir?: string;
  /** Kill the VM after this long. Default 600 s (NMTEAM_VM_TIMEOUT seconds). */
  timeoutMs?: number;
  memoryMb?: number;
  cpus?: number;
  /**
   * Root of another userland (test/harness/sandbox/userland.ts, e.g. Debian 13's): the guest mounts its /usr over
   * /usr before it starts dbus and NetworkManager, keeping the host's node and busybox. Default: the host's own.
   */
  userland?: string;
}

export interface GuestEvent {
  event: string;
  uptime: number;
}

export interface VmRun {
  /** The scenario's exit code; 124 = the guest scripts failed, 125 = the guest never finished. */
  code: number;
  outDir: string;
  /** Parsed results.jsonl, in order. */
  results: Record<string, unknown>[];
  /** Guest uptime at stage1 / stage2 / nm-ready / scenario-done (seconds). */
  guest: Record<string, number>;
  /** Host wall time of the whole VM, ms. */
  wallMs: number;
  /** Text of a result file (console.log, scenario.log, nm.log, dmesg.log, ...), '' when absent. */
  file(name: string): string;
}

/** Paths go on QEMU's option strings and the kernel command line: keep them free of separators. */
const SAFE_PATH = /^\/[A-Za-z0-9._/+-]*$/;
function safePath(p: string, what: string): string {
  const abs = path.resolve(p);
  if (!SAFE_PATH.test(abs))
    throw new Error(
      `${what} ${JSON.stringify(abs)}: only letters, digits and ._/+- are allowed (QEMU options and the kernel command line)`,
    );
  return abs;
}

function jsonLines(text: string, file: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`${file}:${i + 1}: not JSON: ${l.slice(0, 200)}`);
      }
    });
}

export function qemuArgs(image: VmImage, scenario: string, outDir: string, o: RunOptions = {}): string[] {
  const append = [
    'console=ttyS0',
    'panic=-1',
    'quiet',
    `nmteam.stage2=${safePath(guestFile('stage2.sh'), 'stage-2 script')}`,
    `nmteam.scenario=${safePath(scenario, 'scenario')}`,
    `nmteam.repo=${safePath(repoRoot(), 'repository')}`,
    ...(o.userland ? [`nmteam.userland=${safePath(o.userland, 'userland')}`] : []),
  ].join(' ');
  return [
    '-accel',
    'tcg,thread=multi',
    '-cpu',
    'max',
    '-m',
    String(o.memoryMb ?? 1024),
    '-smp',
    String(o.cpus ?? 2),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    `file:${path.join(outDir, 'console.log')}`,
    '-kernel',
    safePath(image.kernel, 'kernel'),
    '-initrd',
    safePath(image.initrd, 'initrd'),
    '-append',
    append,
    '-virtfs',
    'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs',
    `local,path=${outDir},mount_tag=nmteamout,security_model=none`,
  ];
}

/**
 * Boot, run `scenario` (a shell script, run by the guest's /bin/sh with the
 * repository as working directory), power off, and read the results.
 *
 * @example
 *   const r = await runVm(await prepareVm(), 'test/vm/scenarios/failover.sh')
 *   r.code === 0 && r.results.find((x) => x.check === 'active-after')
 */
export async function runVm(image: VmImage, scenario: string, o: RunOptions = {}): Promise<VmRun> {
  const outDir = safePath(o.outDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'nmteam-vm-'))), 'results folder');
  await fsp.mkdir(outDir, { recursive: true });
  for (const f of ['exit-code', 'results.jsonl', 'timing.jsonl']) await fsp.rm(path.join(outDir, f), { force: true });
  const args = qemuArgs(image, path.resolve(scenario), outDir, o);
  const timeoutMs = o.timeoutMs ?? Number(process.env.NMTEAM_VM_TIMEOUT ?? 600) * 1000;
  const t0 = Date.now();
  const log = fs.openSync(path.join(outDir, 'qemu.log'), 'w');
  await new Promise<void>((resolve, reject) => {
    // setpriv --pdeathsig: a killed test runner takes its VM with it.
    const qemu = spawn('setpriv', ['--pdeathsig', 'KILL', 'qemu-system-x86_64', ...args], {
      stdio: ['ignore', log, log],
    });
    const timer = setTimeout(() => qemu.kill('SIGKILL'), timeoutMs);
    qemu.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start QEMU: ${e.message} (run scripts/vm-setup.sh)`));
    });
    qemu.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  }).finally(() => fs.closeSync(log));
  const wallMs = Date.now() - t0;
  const read = (name: string): string => {
    try {
      return fs.readFileSync(path.join(outDir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const exit = read('exit-code').trim();
  const guest: Record<string, number> = {};
  for (const e of jsonLines(read('timing.jsonl'), 'timing.jsonl') as unknown as GuestEvent[]) guest[e.event] = e.uptime;
  return {
    code: exit === '' ? 125 : Number(exit),
    outDir,
    results: jsonLines(read('results.jsonl'), 'results.jsonl'),
    guest,
    wallMs,
    file: read,
  };
}
