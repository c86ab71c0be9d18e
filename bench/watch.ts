/**
 * `nmteam watch` reaction time: a hand edit of one managed slave profile
 * (its team-port.config), then the time from NetworkManager's Updated
 * signal for that edit (the drift signal watch sees) to the Updated signal
 * of watch's corrective write; plus the watch process's peak RSS.
 * Measured only when the CLI has a `watch` command.
 */
import { spawn } from 'node:child_process';
import * as dbus from 'dbus-next';
import type { NmClient } from '../src/bus/client';
import { IFACE } from '../src/bus/dbus';
import type { Sandbox } from '../test/harness/sandbox/sandbox';
import { median, quiesce, type Runner, sleep, vmHwmKb } from './measure';
import { portName } from './workload';

export type WatchResult =
  | { available: false; note: string }
  | {
      available: true;
      teams: number;
      /** Drift signal → corrective write's Updated signal, ms. */
      reactionMs: { median: number; min: number; max: number; samples: number[] };
      /** Of that, the reconcile itself (watch's own `ms` for the correcting run; the rest is its debounce and queueing), median. */
      reconcileMs?: number;
      /** Edits that were not corrected within the timeout. */
      missed: number;
      /** Start until every team's first reconcile was logged, ms. */
      startMs: number;
      peakRssMb?: number;
      /** NODE_OPTIONS the watch process ran with (the systemd unit's), when any. */
      nodeOptions?: string;
      note?: string;
    };

export interface WatchContext {
  sb: Sandbox;
  client: NmClient;
  runner: Runner;
  /** The nmteam CLI. */
  cli: string;
  /** The desired-state file, already applied. */
  spec: string;
  teams: number;
  reps: number;
  /** Run watch with these NODE_OPTIONS (as examples/nmteam-watch.service does). */
  nodeOptions?: string;
}

/**
 * The NODE_OPTIONS the shipped systemd unit gives watch (its `Environment=NODE_OPTIONS=…` line), so the
 * benchmark measures the daemon as deployed; undefined when the unit sets none.
 */
export function unitNodeOptions(unitText: string): string | undefined {
  const m = /^Environment="?NODE_OPTIONS=([^"\n]*)"?\s*$/m.exec(unitText);
  return m?.[1]?.trim() || undefined;
}

const NOT_BUILT: WatchResult = { available: false, note: 'n/a (watch not built: the CLI has no watch command)' };

export async function measureWatch(ctx: WatchContext): Promise<WatchResult> {
  const help = await ctx.runner.node(ctx.cli, ['--help'], ctx.sb.env, false);
  if (!/^\s+watch\b/m.test(help.stdout)) return NOT_BUILT;

  const target = (await ctx.client.readConnections()).find(
    (c) => c.settings.connection?.id === `team-slave-${portName(0, 1)}`,
  );
  if (!target) return { available: false, note: `n/a: profile team-slave-${portName(0, 1)} not found` };

  const bus = dbus.systemBus();
  bus.on('error', () => undefined);
  const updated: number[] = [];
  bus.on('message', (m: dbus.Message) => {
    if (
      m.type === dbus.MessageType.SIGNAL &&
      m.path === target.path &&
      m.interface === IFACE.connection &&
      m.member === 'Updated'
    )
      updated.push(performance.now());
  });
  await bus.call(
    new dbus.Message({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'AddMatch',
      signature: 's',
      body: [`type='signal',interface='${IFACE.connection}',member='Updated',path='${target.path}'`],
    }),
  );

  const t0 = performance.now();
  const env = ctx.nodeOptions ? { ...ctx.sb.env, NODE_OPTIONS: ctx.nodeOptions } : ctx.sb.env;
  const child = spawn(process.execPath, [ctx.cli, 'watch', ctx.spec, '--no-activate', '--log-format', 'json'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    // Ready once every team had its first reconcile (one JSON line each).
    const deadline = Date.now() + 120_000;
    const reconciles = (): number => out.split('\n').filter((l) => l.includes('"event":"reconcile"')).length;
    while (reconciles() < ctx.teams && Date.now() < deadline && child.exitCode === null) await sleep(20);
    const startMs = performance.now() - t0;
    if (child.exitCode !== null)
      return { available: false, note: `n/a: watch exited ${child.exitCode}: ${err.trim().slice(0, 500)}` };
    await quiesce(ctx.sb.nmPid());

    const original = target.settings['team-port']?.config;
    const logged = out.length;
    const samples: number[] = [];
    let missed = 0;
    for (let i = 0; i < ctx.reps; i++) {
      const fresh = await ctx.client.readConnection(target.path);
      const edited = structuredClone(fresh.settings);
      edited['team-port'] = { ...edited['team-port'], config: JSON.stringify({ prio: -10 - i }) };
      const seen = updated.length;
      await ctx.client.updateConnection(target.path, edited, { signatures: fresh.signatures, blockAutoconnect: true });
      const until = Date.now() + 10_000;
      while (updated.length < seen + 2 && Date.now() < until) await sleep(2);
      const corrected = (await ctx.client.readConnection(target.path)).settings['team-port']?.config === original;
      if (updated.length >= seen + 2 && corrected) samples.push(updated[seen + 1]! - updated[seen]!);
      else missed++;
      await sleep(300);
      await quiesce(ctx.sb.nmPid());
    }
    const rss = vmHwmKb(child.pid!);
    const corrected = out
      .slice(logged)
      .split('\n')
      .flatMap((l) => {
        try {
          const e = JSON.parse(l) as { event?: string; result?: string; ms?: number };
          return e.event === 'reconcile' && e.result === 'corrected' && typeof e.ms === 'number' ? [e.ms] : [];
        } catch {
          return [];
        }
      });
    if (samples.length === 0) return { available: false, note: `n/a: watch corrected none of ${ctx.reps} edits` };
    return {
      available: true,
      teams: ctx.teams,
      reactionMs: { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples },
      ...(corrected.length ? { reconcileMs: median(corrected) } : {}),
      missed,
      startMs,
      ...(rss !== undefined ? { peakRssMb: rss / 1024 } : {}),
      ...(ctx.nodeOptions ? { nodeOptions: ctx.nodeOptions } : {}),
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    bus.disconnect();
  }
}
