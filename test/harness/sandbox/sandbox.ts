/**
 * A throwaway NetworkManager for tests, benchmarks and the demo: a private
 * D-Bus system bus, plus NetworkManager inside its own network and mount
 * namespaces with veth test devices. See docs in /work/shared/NM-SANDBOX.md.
 *
 * Process layout (all direct children of this Node process):
 *   bus    - dbus-daemon --nofork on DIR/bus.sock
 *   holder - `sleep infinity` under `unshare --net --mount`; it owns the
 *            namespaces, so they (and the veths, tmpfs state) survive NM restarts.
 *            With another userland (option `nm`, env NMTEAM_NM; userland.ts) it
 *            mounts that userland's /usr over /usr in its mount namespace first.
 *   nm     - NetworkManager, entered into the holder's namespaces via nsenter
 * Every child is started through `setpriv --pdeathsig TERM`, so even a
 * SIGKILLed test runner cannot leak daemons. PIDs (with their kernel start
 * times, to survive PID reuse) are recorded in DIR/pids; nothing is ever
 * killed by name.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { HOLDER_SCRIPT, PEER_PREFIX, busConf, dbusEscape, nmConf } from './config';
import { ProcRef, RunResult, isAlive, procRef, run, sleep, terminate, waitForLine } from './proc';
import { type NmUserland, prepareUserland, selectedUserland } from './userland';

export type { RunResult } from './proc';
export { PEER_PREFIX } from './config';
export type { NmUserland } from './userland';

export interface SandboxOptions {
  /** veth names created inside the netns; default eth0..eth3 */
  devices?: string[];
  /** NetworkManager at TRACE level (also env NMTEAM_SANDBOX_DEBUG=1); the log is always DIR/nm.log */
  debug?: boolean;
  /** parent of the private temp dir; default os.tmpdir() */
  baseDir?: string;
  /**
   * Which NetworkManager: 'host' (the host's own), or 'trixie' / '1.52' (Debian 13's, from the cached
   * userland of scripts/nm-userland.sh, made on first use). Default: env NMTEAM_NM, else 'host'.
   */
  nm?: string;
}

export interface Sandbox {
  readonly dir: string;
  readonly busAddress: string;
  readonly connDir: string;
  /** The environment for clients: the private bus, and nmcli of the sandbox's own userland first on PATH. */
  readonly env: NodeJS.ProcessEnv;
  /** Which NetworkManager runs here. */
  readonly userland: NmUserland;
  nmPid(): number;
  /** NetworkManager's own version (its D-Bus Version property, through nmcli), e.g. "1.52.1". */
  nmVersion(): Promise<string>;
  nmcli(args: string[]): Promise<RunResult>;
  ip(args: string[]): Promise<RunResult>;
  addDevice(name: string): Promise<void>;
  keyfiles(): Promise<Record<string, string>>;
  restartNm(): Promise<void>;
  killNm(signal?: NodeJS.Signals): Promise<void>;
  startNm(): Promise<void>;
  stop(): Promise<void>;
}

const DIR_PREFIX = 'nmteam-sb-';
const READY_TIMEOUT_MS = 15_000;

/** Name of the veth peer of a test device (kernel limit: 15 bytes). */
export function peerName(device: string): string {
  const rest =
    device.length <= 15 - PEER_PREFIX.length ? device : createHash('sha1').update(device).digest('hex').slice(0, 10);
  return PEER_PREFIX + rest;
}

// ---- crash safety: kill what the current process started if it exits without stop()
const live = new Set<NmSandbox>();
function onExit(): void {
  for (const sb of live) sb.killSync();
}
function track(sb: NmSandbox, on: boolean): void {
  if (on) live.add(sb);
  else live.delete(sb);
  // Register only while needed: jest re-evaluates this module per test file.
  process.removeListener('exit', onExit);
  if (live.size > 0) process.on('exit', onExit);
}

type ProcKey = 'bus' | 'holder' | 'nm';
/** DIR/pids: who owns the sandbox, and the processes it started. */
interface PidsFile {
  owner: ProcRef;
  procs: Partial<Record<ProcKey, ProcRef>>;
}

/** Remove sandboxes of dead owners (crashed runs) in baseDir: kill their recorded PIDs, delete the dir. */
function reapStale(baseDir: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(baseDir).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(baseDir, name);
    try {
      const pids = JSON.parse(fs.readFileSync(path.join(dir, 'pids'), 'utf8')) as PidsFile;
      if (isAlive(pids.owner)) continue;
      for (const ref of Object.values(pids.procs)) if (ref && isAlive(ref)) process.kill(ref.pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* not ours, being created, or already gone */
    }
  }
}

class NmSandbox implements Sandbox {
  readonly busAddress: string;
  readonly connDir: string;
  readonly env: NodeJS.ProcessEnv;
  private readonly procs: Record<ProcKey, { child: ChildProcess; ref: ProcRef } | undefined> = {
    bus: undefined,
    holder: undefined,
    nm: undefined,
  };
  private stopping: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly debug: boolean,
    readonly userland: NmUserland,
    /** Root of the userland whose /usr the holder mounts ('' for the host's own). */
    private readonly root = '',
  ) {
    this.busAddress = 'unix:path=' + dbusEscape(path.join(dir, 'bus.sock'));
    this.connDir = path.join(dir, 'conns');
    // C locale: nmcli messages are translated otherwise, and tests grep them.
    // NMTEAM_STATE_DIR: each sandbox has its own nmteam journal and lock, apart from the host's /run/nmteam.
    this.env = {
      ...process.env,
      DBUS_SYSTEM_BUS_ADDRESS: this.busAddress,
      NMTEAM_STATE_DIR: path.join(dir, 'nmteam-state'),
      NO_COLOR: '1',
      LC_ALL: 'C.UTF-8',
    };
    // Another userland: `nmcli` (for sb.nmcli and any test that runs it with sb.env) is that userland's own,
    // run inside the holder's mount namespace, so client and daemon are one version as on a real host.
    if (root) this.env.PATH = `${path.join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  }

  /** DIR/bin/nmcli: the userland's nmcli, entered into the holder's mount namespace (its PID in DIR/holder.pid). */
  private async writeNmcliWrapper(): Promise<void> {
    const text =
      '#!/bin/sh\nd=$(dirname "$0")/..\n' +
      'exec nsenter --mount=/proc/$(cat "$d/holder.pid")/ns/mnt --wd="$PWD" /usr/bin/nmcli "$@"\n';
    await fsp.mkdir(path.join(this.dir, 'bin'));
    await fsp.writeFile(path.join(this.dir, 'bin', 'nmcli'), text, { mode: 0o755 });
  }

  private get holderPid(): number {
    const h = this.procs.holder;
    if (!h || !isAlive(h.ref)) throw new Error(`sandbox ${this.dir}: namespace holder is not running`);
    return h.ref.pid;
  }

  private writePids(): void {
    const procs = Object.fromEntries(Object.entries(this.procs).map(([k, p]) => [k, p?.ref]));
    const file: PidsFile = { owner: procRef(process.pid)!, procs };
    fs.writeFileSync(path.join(this.dir, 'pids'), JSON.stringify(file) + '\n');
  }

  /** Spawn a child that receives SIGTERM if this process dies. */
  private launch(key: ProcKey, argv: string[], stdio: ('ignore' | 'pipe' | number)[]): ChildProcess {
    const child = spawn('setpriv', ['--pdeathsig', 'TERM', ...argv], { env: this.env, stdio });
    if (child.pid === undefined)
      throw new Error(`cannot start ${argv[0]} (is util-linux installed? run scripts/ensure-deps.sh)`);
    child.on('error', () => {
      /* reported through exit / readiness checks */
    });
    // A forgotten sandbox must not keep the process alive; the 'exit' handler cleans it up.
    child.unref();
    const ref = procRef(child.pid);
    if (!ref) throw new Error(`${argv[0]} exited immediately`);
    this.procs[key] = { child, ref };
    this.writePids();
    return child;
  }

  async start(devices: string[]): Promise<void> {
    await fsp.mkdir(this.connDir, { mode: 0o700 });
    await fsp.mkdir(path.join(this.dir, 'conf.d'));
    await fsp.writeFile(path.join(this.dir, 'bus.conf'), busConf(this.busAddress));
    await fsp.writeFile(path.join(this.dir, 'NM.conf'), nmConf(this.connDir));
    this.writePids();

    const busLog = fs.openSync(path.join(this.dir, 'bus.log'), 'a');
    try {
      // --nofork keeps the bus our child (reaped by us, covered by pdeathsig);
      // the address is printed only once the socket listens.
      const conf = path.join(this.dir, 'bus.conf');
      const bus = this.launch(
        'bus',
        ['dbus-daemon', `--config-file=${conf}`, '--nofork', '--print-address=1'],
        ['ignore', 'pipe', busLog],
      );
      await waitForLine(bus, (l) => l.startsWith('unix:'), 10_000, 'dbus-daemon');
    } finally {
      fs.closeSync(busLog);
    }

    const unshare = ['unshare', '--net', '--mount', '--propagation', 'private'];
    const holderArgv = [...unshare, 'sh', '-c', HOLDER_SCRIPT, 'nmteam-holder', this.root];
    const holder = this.launch('holder', holderArgv, ['ignore', 'pipe', 'pipe']);
    await waitForLine(holder, (l) => l === 'ready', 10_000, 'namespace holder');
    if (this.root) {
      await fsp.writeFile(path.join(this.dir, 'holder.pid'), `${this.holderPid}\n`);
      await this.writeNmcliWrapper();
    }

    for (const d of devices) await this.addDevice(d);
    await this.startNm();
  }

  nmPid(): number {
    const nm = this.procs.nm;
    if (!nm || !isAlive(nm.ref)) throw new Error('NetworkManager is not running in this sandbox');
    return nm.ref.pid;
  }

  nmcli(args: string[]): Promise<RunResult> {
    return run('nmcli', args, { env: this.env });
  }

  async nmVersion(): Promise<string> {
    const r = await this.nmcli(['-t', '-f', 'VERSION', 'general']);
    if (r.code !== 0 || !r.stdout.trim()) {
      throw new Error(`nmcli general VERSION failed (${r.code}): ${r.stderr.trim()}`);
    }
    return r.stdout.trim();
  }

  ip(args: string[]): Promise<RunResult> {
    return run('nsenter', [`--net=/proc/${this.holderPid}/ns/net`, 'ip', ...args], { env: this.env });
  }

  async addDevice(name: string): Promise<void> {
    if (
      !/^[A-Za-z0-9_.-]{1,15}$/.test(name) ||
      name.startsWith('-') ||
      name === '.' ||
      name === '..' ||
      name.startsWith(PEER_PREFIX)
    ) {
      throw new Error(`invalid device name ${JSON.stringify(name)}`);
    }
    const peer = peerName(name);
    for (const args of [
      ['link', 'add', 'name', name, 'type', 'veth', 'peer', 'name', peer],
      ['link', 'set', 'dev', peer, 'up'],
    ]) {
      const r = await this.ip(args);
      if (r.code !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
    }
  }

  async keyfiles(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    let entries: fs.Dirent[] = [];
    try {
      entries = await fsp.readdir(this.connDir, { withFileTypes: true });
    } catch {
      return out;
    }
    for (const e of entries.filter((x) => x.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
      // A profile deleted between the listing and the read (by a run still going) is simply not there.
      const text = await fsp.readFile(path.join(this.connDir, e.name), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (text !== undefined) out[e.name] = text;
    }
    return out;
  }

  async startNm(): Promise<void> {
    if (this.procs.nm && isAlive(this.procs.nm.ref)) return;
    const holder = this.holderPid;
    const logPath = path.join(this.dir, 'nm.log');
    const log = fs.openSync(logPath, 'a');
    let nm: ChildProcess;
    try {
      // --debug = log to stderr (our file) instead of syslog. Empty config
      // dirs so the host's conf.d (e.g. Ubuntu's "globally unmanaged") can't leak in.
      const confD = path.join(this.dir, 'conf.d');
      nm = this.launch(
        'nm',
        [
          'nsenter',
          `--net=/proc/${holder}/ns/net`,
          `--mount=/proc/${holder}/ns/mnt`,
          'NetworkManager',
          '--no-daemon',
          '--debug',
          `--log-level=${this.debug ? 'TRACE' : 'INFO'}`,
          `--config=${path.join(this.dir, 'NM.conf')}`,
          `--config-dir=${confD}`,
          `--system-config-dir=${confD}`,
        ],
        ['ignore', log, log],
      );
    } finally {
      fs.closeSync(log);
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    // STARTUP=started: devices are known and initial autoconnect has settled.
    let last = '';
    while (Date.now() < deadline) {
      if (nm.exitCode !== null || nm.signalCode !== null) break;
      const r = await run('nmcli', ['-t', '-f', 'RUNNING,STARTUP', 'general'], {
        env: this.env,
        timeoutMs: 5_000,
      }).catch((e: Error) => e);
      if (!(r instanceof Error) && r.stdout.trim() === 'running:started') return;
      last = r instanceof Error ? r.message : `exit ${r.code}: ${(r.stdout + r.stderr).trim()}`;
      await sleep(50);
    }
    const tail = (await fsp.readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-40).join('\n');
    const dead = nm.exitCode !== null || nm.signalCode !== null;
    const why = dead ? `exited (${nm.exitCode ?? nm.signalCode})` : `not ready after ${READY_TIMEOUT_MS} ms`;
    await this.killNm('SIGKILL');
    const said = last || 'none';
    throw new Error(`sandbox NetworkManager ${why} (last nmcli answer: ${said}); tail of ${logPath}:\n${tail}`);
  }

  async killNm(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const nm = this.procs.nm;
    if (!nm) return;
    await terminate(nm.child, nm.ref, signal);
    this.procs.nm = undefined;
    this.writePids();
  }

  async restartNm(): Promise<void> {
    await this.killNm('SIGTERM');
    await this.startNm();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // NM first (clean SIGTERM shutdown while its bus still exists), then the namespaces, then the bus.
      await this.killNm('SIGTERM');
      for (const key of ['holder', 'bus'] as const) {
        const p = this.procs[key];
        if (p) await terminate(p.child, p.ref, 'SIGTERM');
        this.procs[key] = undefined;
      }
      track(this, false);
      if (process.env.NMTEAM_SANDBOX_KEEP !== '1') await fsp.rm(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  /** Last resort from the 'exit' handler: synchronous, so no awaiting. */
  killSync(): void {
    for (const p of [this.procs.nm, this.procs.holder, this.procs.bus]) {
      if (p && isAlive(p.ref))
        try {
          process.kill(p.ref.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    }
    try {
      fs.rmSync(this.dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const baseDir = path.resolve(opts.baseDir ?? os.tmpdir());
  if (/[\0-\x1f]/.test(baseDir)) throw new Error('baseDir must not contain control characters');
  reapStale(baseDir);
  const userland = selectedUserland(opts.nm);
  // Made (or found in the cache) before anything is started: a userland that cannot be made fails here, with its cause.
  const root = userland === 'host' ? '' : (await prepareUserland(userland)).root;
  const dir = await fsp.mkdtemp(path.join(baseDir, DIR_PREFIX));
  const sb = new NmSandbox(dir, opts.debug ?? process.env.NMTEAM_SANDBOX_DEBUG === '1', userland, root);
  track(sb, true);
  try {
    await sb.start(opts.devices ?? ['eth0', 'eth1', 'eth2', 'eth3']);
  } catch (err) {
    await sb.stop().catch(() => undefined);
    throw err;
  }
  return sb;
}
