/**
 * Count the D-Bus method calls made to NetworkManager in a sandbox, so tests
 * can assert e.g. "a second apply makes zero writes".
 *
 * Uses `dbus-monitor --profile` (one tab-separated, line-buffered line per
 * message) with a `destination='org.freedesktop.NetworkManager'` rule. The bus
 * matches that rule against the names the recipient owns, so calls that
 * clients address to NM's unique name (:1.N, as libnm/nmcli do) are caught
 * too, and it keeps working across NM restarts.
 *
 * To know exactly when the monitor is listening (and when all earlier calls
 * have been printed) we send a marker call, Peer.Ping on a dedicated path,
 * and wait until it appears in the output. Markers are not reported.
 */
import { spawn } from 'node:child_process';
import type { Sandbox } from './sandbox';
import { run, sleep } from './proc';

export interface ObservedCall {
  member: string;
  interface: string;
  path: string;
  /** the caller's unique bus name, e.g. :1.42 */ sender: string;
}
export interface CallMonitor {
  /** method calls to NM seen so far, in bus order */
  calls(): ObservedCall[];
  /** the subset of calls() that can change NM state (see WRITE_MEMBERS) */
  writes(): ObservedCall[];
  /** flush (all calls completed before stop() are included), stop, return calls() */
  stop(): Promise<ObservedCall[]>;
}

export const WRITE_MEMBERS: ReadonlySet<string> = new Set([
  'AddConnection',
  'AddConnection2',
  'AddAndActivateConnection',
  'AddAndActivateConnection2',
  'Update',
  'Update2',
  'UpdateUnsaved',
  'Delete',
  'ActivateConnection',
  'DeactivateConnection',
  'Reapply',
  'CheckpointCreate',
  'CheckpointDestroy',
  'CheckpointRollback',
  'Save',
  'Disconnect',
]);

const NM = 'org.freedesktop.NetworkManager';
const MARKER_BASE = '/org/freedesktop/NetworkManager/NmteamMonitorMarker';
let markerSeq = 0;

function nmRunning(sb: Sandbox): boolean {
  try {
    sb.nmPid();
    return true;
  } catch {
    return false;
  }
}

export async function monitorCalls(sb: Sandbox): Promise<CallMonitor> {
  const child = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'TERM',
      'dbus-monitor',
      '--address',
      sb.busAddress,
      '--profile',
      `type='method_call',destination='${NM}'`,
    ],
    { env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.on('error', () => {
    /* surfaces as "exited" below */
  });
  // A forgotten monitor must not keep the test process alive.
  child.unref();
  for (const s of [child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();

  const seen: ObservedCall[] = [];
  const markers = new Set<string>();
  let becameMonitor = false;
  let exited = false;
  let stderr = '';
  let buf = '';
  child.on('exit', () => {
    exited = true;
  });
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const line of lines) {
      // mc <time> <serial> <sender> <destination> <path> <interface> <member>; "<none>" for absent fields
      const f = line.split('\t');
      if (f[0] === 'sig' && f[7] === 'NameLost') becameMonitor = true; // sent once BecomeMonitor took effect
      if (f[0] !== 'mc' || f.length < 8) continue;
      const path = f[5]!;
      if (path.startsWith(MARKER_BASE + '/')) {
        markers.add(path);
        continue;
      }
      seen.push({ path, interface: f[6] === '<none>' ? '' : f[6]!, member: f[7]!, sender: f[3]! });
    }
  });

  const until = async (cond: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!cond() && !exited && Date.now() < deadline) await sleep(10);
    return cond();
  };
  /** Make a marker call and wait until the monitor has printed it. */
  const flush = async (ms: number): Promise<boolean> => {
    const path = `${MARKER_BASE}/p${process.pid}_${++markerSeq}`;
    const ping = run(
      'dbus-send',
      [
        '--system',
        `--dest=${NM}`,
        '--type=method_call',
        '--print-reply',
        '--reply-timeout=5000',
        path,
        'org.freedesktop.DBus.Peer.Ping',
      ],
      { env: sb.env, timeoutMs: 10_000 },
    ).catch(() => undefined);
    const ok = await until(() => markers.has(path), ms);
    await ping;
    return ok;
  };

  const fail = (what: string) => {
    child.kill('SIGKILL');
    return new Error(`dbus-monitor ${what}: ${stderr.trim() || '(no output)'}`);
  };
  if (!(await until(() => becameMonitor, 5_000))) throw fail('did not start monitoring');
  // With NM down there is nobody to route a marker to; NameLost already proves we listen.
  if (nmRunning(sb) && !(await flush(5_000))) throw fail('did not see its marker call');

  let stopping: Promise<ObservedCall[]> | undefined;
  const calls = () => seen.slice();
  return {
    calls,
    writes: () => seen.filter((c) => WRITE_MEMBERS.has(c.member)),
    stop: () =>
      (stopping ??= (async () => {
        if (!exited) {
          if (!(nmRunning(sb) && (await flush(3_000)))) await sleep(100);
          child.kill('SIGTERM');
          await until(() => false, 2_000); // waits for exit (or gives up after 2 s)
        }
        return calls();
      })()),
  };
}
