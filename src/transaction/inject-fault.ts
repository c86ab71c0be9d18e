import { setTimeout as sleep } from 'node:timers/promises';
import type { NmPort } from '../nm/port';
import { ReconcileError } from '../core/errors';

/**
 * The test hook NMTEAM_INJECT_FAULT (docs/errors.md), as a wrapper around an NmPort: the code that runs a
 * transaction has no test parameter and cannot tell a wrapped port from a real one. main.ts loads this module
 * only when the variable is set.
 *
 * - `N`: the Nth profile write (AddConnection2, Update2 or Delete, counted from the first write of the
 *   process) fails before it reaches NetworkManager, as a real write can: writes already in flight beside it
 *   (a pipelined batch) go on. `N:exit` kills the process there once the writes before it are answered (a
 *   crash with the journal in progress); `N:pause=MS` holds that write, and every later one, back MS ms (so a
 *   test can break NetworkManager meanwhile).
 * - `teamd-miss:PORT[,PORT...][@SECONDS]`: teamd's answers leave those ports out (from SECONDS after the
 *   start, default at once) until they are re-attached (reactivateDevice), as when teamd missed their port
 *   events; the VM proves the re-attachment with it.
 */

export type Fault =
  | { kind: 'write'; at: number; then: 'throw' | 'exit' | 'pause'; ms?: number }
  | { kind: 'teamd-miss'; ports: string[]; afterMs: number };

/** The variable's value as a fault; undefined when it names none. */
export function parseFault(value: string | undefined): Fault | undefined {
  const w = /^(\d+)(?::(exit|pause)(?:=(\d+))?)?$/.exec(value ?? '');
  if (w && Number(w[1]) >= 1)
    return {
      kind: 'write',
      at: Number(w[1]),
      then: (w[2] as 'exit' | 'pause' | undefined) ?? 'throw',
      ...(w[3] ? { ms: Number(w[3]) } : {}),
    };
  const t = /^teamd-miss:([\w.-]+(?:,[\w.-]+)*)(?:@(\d+(?:\.\d+)?))?$/.exec(value ?? '');
  if (t) return { kind: 'teamd-miss', ports: t[1]!.split(','), afterMs: Number(t[2] ?? 0) * 1000 };
  return undefined;
}

/** `nm` with `overrides` in place of some of its methods; every other member is nm's own, bound to it. */
function overlay<T extends NmPort>(nm: T, overrides: Partial<NmPort>): T {
  return new Proxy(nm, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop))
        return (overrides as Record<string | symbol, unknown>)[prop];
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * The Nth write through `nm` fails (`throw`), or the process dies there once the writes before it are answered
 * (`exit`: a crash between two writes, the journal in progress), or that write waits (`pause`). While it dies or
 * waits, the writes after it wait too, as they would behind a process stopped at that point.
 */
function failingWrite<T extends NmPort>(nm: T, fault: Fault & { kind: 'write' }): T {
  let writes = 0;
  const inFlight = new Set<Promise<unknown>>();
  let gate: Promise<void> | undefined;
  const fire = async (n: number): Promise<void> => {
    if (fault.then === 'throw')
      throw new ReconcileError('NM_ERROR', `fault injected before write ${n} (NMTEAM_INJECT_FAULT)`);
    if (fault.then === 'pause') return (gate = sleep(fault.ms ?? 1000));
    const earlier = [...inFlight];
    gate = new Promise<void>(() => undefined); // never: the process ends first
    await Promise.allSettled(earlier);
    process.exit(70);
  };
  const guarded = <R>(write: () => Promise<R>): Promise<R> => {
    const n = ++writes;
    const run = (async (): Promise<R> => {
      if (n === fault.at) await fire(n);
      else if (gate) await gate;
      return write();
    })();
    inFlight.add(run);
    run.then(
      () => inFlight.delete(run),
      () => inFlight.delete(run),
    );
    return run;
  };
  return overlay(nm, {
    addConnection: (...a) => guarded(() => nm.addConnection(...a)),
    updateConnection: (...a) => guarded(() => nm.updateConnection(...a)),
    deleteConnection: (...a) => guarded(() => nm.deleteConnection(...a)),
  });
}

function teamdMiss<T extends NmPort>(nm: T, fault: Fault & { kind: 'teamd-miss' }): T {
  if (!nm.teamdPorts || !nm.reactivateDevice) return nm;
  const hidden = new Set(fault.ports);
  const from = Date.now() + fault.afterMs;
  const teamdPorts = nm.teamdPorts.bind(nm);
  const reactivateDevice = nm.reactivateDevice.bind(nm);
  return overlay(nm, {
    teamdPorts: async (team: string) => (await teamdPorts(team))?.filter((p) => Date.now() < from || !hidden.has(p)),
    reactivateDevice: (iface: string, timeoutMs?: number) => {
      hidden.delete(iface);
      return reactivateDevice(iface, timeoutMs);
    },
  });
}

/**
 * `nm` with the fault `value` names (default: NMTEAM_INJECT_FAULT); `nm` itself when it names none.
 *
 * @example
 *   const nm = withInjectedFault(await NmClient.connect(), '3')   // the third profile write fails
 */
export function withInjectedFault<T extends NmPort>(nm: T, value = process.env.NMTEAM_INJECT_FAULT): T {
  const fault = parseFault(value);
  if (!fault) return nm;
  return fault.kind === 'write' ? failingWrite(nm, fault) : teamdMiss(nm, fault);
}
