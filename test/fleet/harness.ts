/**
 * Ansible against sandbox hosts, for the fleet test (fleet.test.ts) and its benchmark (bench/fleet.ts): each
 * host is a sandbox NetworkManager on a private bus (src/sandbox/sandbox.ts), reached through the test
 * connection plugin `sandbox_local` (Ansible's local connection whose link the test can cut) with the host's
 * environment in nmteam_environment, and nmteam unpacked by the role from this repo's `npm pack`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from '../harness/sandbox/sandbox';
import { repoRoot } from '../harness/sandbox/cli';
import { run, type RunResult } from '../harness/sandbox/proc';

export const ROOT = repoRoot(__dirname);
export const COLLECTIONS = path.join(ROOT, 'ansible');
export const COLLECTION = path.join(COLLECTIONS, 'ansible_collections', 'nmteam', 'network');
const PLUGINS = path.join(ROOT, 'test', 'fleet', 'plugins');

export interface FleetHost {
  name: string;
  sb: Sandbox;
  vars: Record<string, unknown>;
}

/** One task's result on one host, as the fleet_record callback writes it. */
export interface TaskRecord {
  host: string;
  task: string;
  action: string;
  status: string;
  changed: boolean;
  /** From the task's start on this host to its result. */
  seconds: number | null;
  result: Record<string, unknown>;
}
export interface Stats {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
  rescued: number;
}
export interface PlayRun extends RunResult {
  record: { results: TaskRecord[]; stats: Record<string, Stats> };
  /** Wall time of the ansible-playbook process. */
  ms: number;
}

/** `npm pack` of this repo (dist must be built) into `dir`; the tarball's path. */
export async function packNmteam(dir: string): Promise<string> {
  const pack = await run('npm', ['pack', '--pack-destination', dir, '--ignore-scripts', '--silent'], { cwd: ROOT });
  if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  return path.join(dir, pack.stdout.trim().split('\n').pop()!);
}

/** A host's inventory variables: its sandbox, its own nmteam installation and desired-state file. */
export function hostVars(sb: Sandbox, tarball: string): Record<string, unknown> {
  return {
    ansible_connection: 'sandbox_local',
    ansible_host: sb.dir,
    ansible_python_interpreter: '/usr/bin/python3',
    nmteam_environment: { DBUS_SYSTEM_BUS_ADDRESS: sb.busAddress, NMTEAM_STATE_DIR: path.join(sb.dir, 'nmteam-state') },
    nmteam_package: tarball,
    nmteam_install_dir: path.join(sb.dir, 'opt', 'nmteam'),
    nmteam_bin_dir: path.join(sb.dir, 'bin'),
    nmteam_desired_state: path.join(sb.dir, 'etc', 'teams.yaml'),
    // The sandboxes have no team or bond driver: profiles and transactions only (activation: npm run test:vm).
    nmteam_activate: false,
    nmteam_timeout: 90,
  };
}

/** ansible-playbook PLAYBOOK (a file or a collection playbook's FQCN) with these hosts as the inventory. */
export async function playbook(
  tmp: string,
  hosts: FleetHost[],
  name: string,
  args: string[] = [],
  forks = hosts.length,
): Promise<PlayRun> {
  const inventory = path.join(tmp, 'inventory.json');
  const all = { hosts: Object.fromEntries(hosts.map((h) => [h.name, h.vars])) };
  fs.writeFileSync(inventory, JSON.stringify({ all }, null, 2));
  const record = path.join(tmp, 'record.json');
  fs.rmSync(record, { force: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_COLLECTIONS_PATH: COLLECTIONS,
    ANSIBLE_COLLECTIONS_PATHS: COLLECTIONS,
    ANSIBLE_CONNECTION_PLUGINS: path.join(PLUGINS, 'connection'),
    ANSIBLE_CALLBACK_PLUGINS: path.join(PLUGINS, 'callback'),
    ANSIBLE_CALLBACKS_ENABLED: 'fleet_record',
    ANSIBLE_FORKS: String(forks),
    // One process per task and host instead of four (mkdir, put, run, rm); the collection's README recommends it.
    ANSIBLE_PIPELINING: '1',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_LOCAL_TEMP: path.join(tmp, 'ansible-local'),
    ANSIBLE_REMOTE_TEMP: path.join(tmp, 'ansible-remote'),
    ANSIBLE_HOME: path.join(tmp, 'ansible-home'),
    ANSIBLE_DEPRECATION_WARNINGS: '0',
    FLEET_RECORD: record,
  };
  const t0 = Date.now();
  const r = await run('ansible-playbook', ['-i', inventory, name, ...args], { env, cwd: tmp, timeoutMs: 400_000 });
  const ms = Date.now() - t0;
  const said = `${r.stdout}\n${r.stderr}`;
  const header = `==== ansible-playbook ${name} ${args.join(' ')}: exit ${r.code}`;
  fs.appendFileSync(path.join(tmp, 'ansible.log'), `\n${header}\n${said}\n`);
  if (!fs.existsSync(record)) throw new Error(`ansible-playbook ${name} wrote no record (exit ${r.code}):\n${said}`);
  return { ...r, ms, record: JSON.parse(fs.readFileSync(record, 'utf8')) as PlayRun['record'] };
}
