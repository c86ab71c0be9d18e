/**
 * `npm run bench`: nmteam against a sandbox NetworkManager, next to an nmcli
 * script and the AddConnection2 lower bound, in one run. See bench/README.md.
 *
 * Every nmteam number is the real CLI (`node dist/cli.js`, Node start-up
 * included). Each scenario runs once more than `reps` with the D-Bus call
 * monitor on (calls and writes are counted there; that warm-up run is not
 * timed), then `reps` times unobserved; a cold apply always starts from no
 * team profiles at all.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as dbus from 'dbus-next';
import { NmClient } from '../src/bus/client';
import { IFACE, NM_BUS_NAME, NM_SETTINGS_PATH, NmBus } from '../src/bus/dbus';
import { SignatureRegistry, settingsToDbus } from '../src/bus/variant';
import { cliPath, repoRoot } from '../test/harness/sandbox/cli';
import { type ObservedCall, WRITE_MEMBERS, monitorCalls } from '../test/harness/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../test/harness/sandbox/sandbox';
import { type ChildRun, type CpuSample, Runner, cpuDelta, cpuSample, median, quiesce } from './measure';
import { addMemberNics } from './nics';
import { measureSynthetic, type SyntheticRow } from './synthetic';
import { measureWatch, unitNodeOptions, type WatchResult } from './watch';
import { desiredProfiles, nmcliScript, portNames, specOf, specYaml, withUuids } from './workload';

export interface BenchOptions {
  /** Team counts, 4 members each. Default 10, 50, 100. */
  teams: number[];
  /** Timed repetitions per scenario (median reported). Default 3. */
  reps: number;
  /** Repetitions of the nmcli script (slow: one process per profile). Default 1. */
  nmcliReps: number;
  /** Profile counts for the in-process plan/diff timing. Default 100, 1000, 5000. */
  synthetic: number[];
  /** The nmteam CLI to measure. Default: this checkout's dist/cli.js. */
  cli?: string;
  /** Progress lines (stderr for the CLI). */
  log?: (line: string) => void;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  teams: [10, 50, 100],
  reps: 3,
  nmcliReps: 1,
  synthetic: [100, 1000, 5000],
};

export type Scenario =
  | 'cold-apply'
  | 'cold-apply-no-verify'
  | 'noop-apply'
  | 'noop-apply-activate'
  | 'one-field-change'
  | 'plan-cold'
  | 'plan-noop'
  | 'show'
  | 'nmcli-script'
  | 'lower-bound-sequential'
  | 'lower-bound-pipelined';

export interface Stat {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export interface Row {
  scenario: Scenario;
  teams: number;
  profiles: number;
  /** Wall time, ms (nmteam and nmcli: whole processes, start-up included). */
  ms: Stat;
  /** NetworkManager's CPU time during the run, ms (median). */
  nmCpuMs: number;
  /** dbus-daemon's CPU time during the run, ms (median). */
  busCpuMs: number;
  /** The measured process's own CPU time, ms (median; nmteam only). */
  clientCpuMs?: number;
  /** Peak RSS of the nmteam process, MiB (max over the runs). */
  peakRssMb?: number;
  /** Method calls to NetworkManager in one run, and those that write. */
  calls?: number;
  writes?: number;
  callsByMember?: Record<string, number>;
  /**
   * cold-apply only: median over the repetitions of (this run ÷ the pipelined lower bound's run right after
   * it). The two alternate, so both see the same machine load and NetworkManager state.
   */
  pairedRatio?: Stat;
  note?: string;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResult {
  date: string;
  machine: {
    nproc: number;
    cpu: string;
    memGiB: number;
    kernel: string;
    node: string;
    networkManager: string;
    loadAvg1m: { start: number; end: number };
  };
  options: Omit<BenchOptions, 'log'>;
  startup: { versionMs: Stat; versionRssMb: number; nodeBareMs: Stat };
  sandboxes: { teams: number; nmDevices: number; setupMs: number }[];
  rows: Row[];
  synthetic: SyntheticRow[];
  watch: WatchResult;
  /** Watch again as examples/nmteam-watch.service runs it (its NODE_OPTIONS), when the unit sets any. */
  watchUnit?: WatchResult;
  targets: Target[];
}

const stat = (samples: number[]): Stat => ({
  median: median(samples),
  min: Math.min(...samples),
  max: Math.max(...samples),
  samples,
});

function byMember(calls: ObservedCall[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.member] = (out[c.member] ?? 0) + 1;
  return out;
}

/** The sandbox bus daemon's PID, from the sandbox's own record (for its CPU time). */
function busPid(sb: Sandbox): number | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(sb.dir, 'pids'), 'utf8')) as { procs: { bus?: { pid: number } } })
      .procs.bus?.pid;
  } catch {
    return undefined;
  }
}

interface Sample {
  ms: number;
  nmCpuMs: number;
  busCpuMs: number;
  run?: ChildRun;
}

/** One sandbox with 4N member NICs, and what the scenarios need around it. */
export class Bed {
  readonly profiles: number;
  private constructor(
    readonly teams: number,
    readonly sb: Sandbox,
    readonly client: NmClient,
    readonly runner: Runner,
    readonly cli: string,
    readonly files: { spec: string; changed: string; nmcli: string },
  ) {
    this.profiles = teams * 5;
  }

  static async start(
    teams: number,
    runner: Runner,
    cli: string,
  ): Promise<{ bed: Bed; nmDevices: number; setupMs: number; stop: () => Promise<void> }> {
    const sb = await startSandbox({ devices: [] });
    const stops: (() => Promise<void> | void)[] = [() => sb.stop()];
    const stop = async (): Promise<void> => {
      for (const s of stops.reverse()) await Promise.resolve(s()).catch(() => undefined);
    };
    try {
      // NmBus and NmClient reach the bus through DBUS_SYSTEM_BUS_ADDRESS (dbus-next honours only that).
      const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
      process.env.DBUS_SYSTEM_BUS_ADDRESS = sb.busAddress;
      stops.push(() => {
        if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
        else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
      });
      const bus = NmBus.connect();
      stops.push(() => bus.disconnect());
      const nics = await addMemberNics(sb, portNames(teams), runner, bus);
      stops.unshift(() => nics.stop()); // runs last, once NetworkManager is gone: no device-removal storm
      const client = await NmClient.connect();
      stops.push(() => client.close());
      const spec = specOf(teams);
      const files = {
        spec: runner.file(`teams-${teams}.yaml`, specYaml(teams)),
        changed: runner.file(`teams-${teams}-primary.yaml`, specYaml(teams, 1)),
        nmcli: runner.file(`nmcli-${teams}.sh`, nmcliScript(spec)),
      };
      await quiesce(sb.nmPid(), { timeoutMs: 30_000 });
      return {
        bed: new Bed(teams, sb, client, runner, cli, files),
        nmDevices: nics.nmDevices,
        setupMs: nics.setupMs,
        stop,
      };
    } catch (err) {
      await stop();
      throw err;
    }
  }

  /** Delete every team and team-slave profile, whoever made it, and let NetworkManager settle. */
  async reset(): Promise<void> {
    const conns = await this.client.readConnections();
    const ours = conns.filter(
      (c) => c.settings.connection?.type === 'team' || c.settings.connection?.['slave-type'] === 'team',
    );
    await Promise.all(ours.map((c) => this.client.deleteConnection(c.path)));
    await this.settle();
  }

  async settle(): Promise<void> {
    await quiesce(this.sb.nmPid());
  }

  /** Time `fn` with NetworkManager's and the bus's CPU time around it. */
  async sample(fn: () => Promise<ChildRun | void>): Promise<Sample> {
    await this.settle();
    const nmPid = this.sb.nmPid();
    const bus = busPid(this.sb);
    const cpu0: [CpuSample | undefined, CpuSample | undefined] = [cpuSample(nmPid), bus ? cpuSample(bus) : undefined];
    const t0 = performance.now();
    const run = (await fn()) ?? undefined;
    const ms = run ? run.ms : performance.now() - t0;
    const nmCpuMs = cpuDelta(cpu0[0], cpuSample(nmPid)) ?? NaN;
    const busCpuMs = bus ? (cpuDelta(cpu0[1], cpuSample(bus)) ?? NaN) : NaN;
    return { ms, nmCpuMs, busCpuMs, ...(run ? { run } : {}) };
  }

  /** The nmteam CLI; fails the benchmark on an unexpected exit code. */
  async nmteam(args: string[], expect = 0): Promise<ChildRun> {
    const r = await this.runner.node(this.cli, args, this.sb.env);
    if (r.code !== expect)
      throw new Error(
        `nmteam ${args.join(' ')} exited ${r.code} (expected ${expect}):\n${r.stderr}${r.stdout.slice(-2000)}`,
      );
    return r;
  }

  /** Run `fn` with the D-Bus call monitor on. */
  async counted<T>(fn: () => Promise<T>): Promise<{ value: T; calls: ObservedCall[] }> {
    const mon = await monitorCalls(this.sb);
    try {
      const value = await fn();
      return { value, calls: await mon.stop() };
    } finally {
      await mon.stop();
    }
  }
}

function row(bed: Bed, scenario: Scenario, samples: Sample[], calls?: ObservedCall[], note?: string): Row {
  const rss = samples.map((s) => s.run?.maxRssKb).filter((x): x is number => x !== undefined);
  const client = samples.map((s) => s.run?.cpuMs).filter((x): x is number => x !== undefined);
  return {
    scenario,
    teams: bed.teams,
    profiles: bed.profiles,
    ms: stat(samples.map((s) => s.ms)),
    nmCpuMs: median(samples.map((s) => s.nmCpuMs)),
    busCpuMs: median(samples.map((s) => s.busCpuMs)),
    ...(client.length ? { clientCpuMs: median(client) } : {}),
    ...(rss.length ? { peakRssMb: Math.max(...rss) / 1024 } : {}),
    ...(calls
      ? {
          calls: calls.length,
          writes: calls.filter((c) => WRITE_MEMBERS.has(c.member)).length,
          callsByMember: byMember(calls),
        }
      : {}),
    ...(note ? { note } : {}),
  };
}

/** A scenario: `before` (untimed) then `run` (timed); the first round is the counted warm-up. */
async function scenario(
  bed: Bed,
  reps: number,
  name: Scenario,
  run: () => Promise<ChildRun | void>,
  before?: () => Promise<void>,
  note?: string,
): Promise<Row> {
  await before?.();
  const { calls } = await bed.counted(run);
  const samples: Sample[] = [];
  for (let i = 0; i < reps; i++) {
    await before?.();
    samples.push(await bed.sample(run));
  }
  return row(bed, name, samples, calls, note);
}

/** Baseline (b): AddConnection2 for every profile over one dbus-next connection, settings prebuilt. */
class LowerBound {
  private readonly reg = new SignatureRegistry();
  private readonly bus = dbus.systemBus();
  constructor(private readonly bed: Bed) {
    this.bus.on('error', () => undefined);
  }

  /** One timed run from no team profiles, `depth` calls in flight. */
  async sample(depth: number): Promise<Sample> {
    await this.bed.reset();
    // Same profiles and flags as nmteam's (to disk, block autoconnect), each with its own UUID.
    const bodies = withUuids(desiredProfiles(specOf(this.bed.teams))).map((s) => settingsToDbus(s, this.reg));
    const add = (body: unknown) =>
      this.bus.call(
        new dbus.Message({
          destination: NM_BUS_NAME,
          path: NM_SETTINGS_PATH,
          interface: IFACE.settings,
          member: 'AddConnection2',
          signature: 'a{sa{sv}}ua{sv}',
          body: [body, 0x1 | 0x20, {}],
        }),
      );
    return this.bed.sample(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: depth }, async () => {
          while (next < bodies.length) await add(bodies[next++]);
        }),
      );
    });
  }

  close(): void {
    this.bus.disconnect();
  }
}

const LB_DEPTH = 32;

function lowerBoundRow(bed: Bed, samples: Sample[], depth: number): Row {
  return row(
    bed,
    depth === 1 ? 'lower-bound-sequential' : 'lower-bound-pipelined',
    samples,
    undefined,
    depth === 1 ? 'one call at a time' : `${depth} calls in flight`,
  );
}

/**
 * Cold apply (with and without verification) and the pipelined lower bound, alternating run by run (counted
 * warm-ups of nmteam first), so that their ratios compare runs made under the same load: on a shared machine
 * the lower bound alone varies ±30 % within minutes. The order rotates from round to round.
 */
async function coldVsLowerBound(
  bed: Bed,
  reps: number,
  apply: () => Promise<ChildRun>,
  applyNoVerify: () => Promise<ChildRun>,
): Promise<Row[]> {
  const lb = new LowerBound(bed);
  try {
    await bed.reset();
    const { calls } = await bed.counted(apply);
    await bed.reset();
    const { calls: callsNoVerify } = await bed.counted(applyNoVerify);
    const cold: Sample[] = [];
    const noVerify: Sample[] = [];
    const pipelined: Sample[] = [];
    const kinds: (() => Promise<void>)[] = [
      async () => {
        await bed.reset();
        cold.push(await bed.sample(apply));
      },
      async () => {
        await bed.reset();
        noVerify.push(await bed.sample(applyNoVerify));
      },
      async () => {
        pipelined.push(await lb.sample(LB_DEPTH));
      },
    ];
    // Each round in a rotated order (a Latin square over 3 rounds): NetworkManager's cost per AddConnection2 grows
    // with the profiles deleted in the last minute or so (ext4 skips recently freed inodes: see bench/RESULTS.md),
    // so a fixed order would always give the same kind the most recent deletions.
    for (let i = 0; i < reps; i++) for (let k = 0; k < kinds.length; k++) await kinds[(i + k) % kinds.length]!();
    const sequential: Sample[] = [];
    for (let i = 0; i < reps; i++) sequential.push(await lb.sample(1));
    const paired = (xs: Sample[]): Stat => stat(xs.map((c, i) => c.ms / pipelined[i]!.ms));
    return [
      { ...row(bed, 'cold-apply', cold, calls), pairedRatio: paired(cold) },
      { ...row(bed, 'cold-apply-no-verify', noVerify, callsNoVerify, '--no-verify'), pairedRatio: paired(noVerify) },
      lowerBoundRow(bed, sequential, 1),
      lowerBoundRow(bed, pipelined, LB_DEPTH),
    ];
  } finally {
    lb.close();
  }
}

/** Baseline (a): the nmcli script, one `nmcli connection add` process per profile. */
async function nmcliBaseline(bed: Bed, reps: number): Promise<Row> {
  const samples: Sample[] = [];
  let calls: ObservedCall[] | undefined;
  for (let i = 0; i < reps; i++) {
    await bed.reset();
    const run = async () => {
      const r = await bed.runner.run('sh', [bed.files.nmcli], bed.sb.env);
      if (r.code !== 0) throw new Error(`the nmcli script failed (${r.code}): ${r.stderr}`);
      return r;
    };
    // Too slow to repeat just for counting: the first run is counted and timed (the monitor's cost is small next to 5N nmcli starts).
    if (i === 0) {
      const c = await bed.counted(() => bed.sample(run));
      calls = c.calls;
      samples.push(c.value);
    } else samples.push(await bed.sample(run));
  }
  return row(bed, 'nmcli-script', samples, calls, 'monitor on in run 1');
}

async function benchTeams(teams: number, o: BenchOptions, runner: Runner, result: BenchResult): Promise<void> {
  const log = o.log ?? (() => undefined);
  log(`[${teams} teams] starting a sandbox with ${teams * 4} member NICs`);
  const { bed, nmDevices, setupMs, stop } = await Bed.start(teams, runner, o.cli ?? cliPath());
  try {
    result.sandboxes.push({ teams, nmDevices, setupMs });
    if (!result.machine.networkManager) result.machine.networkManager = await bed.client.version();
    log(
      `[${teams} teams] NetworkManager lists ${nmDevices} devices (${(setupMs / 1000).toFixed(1)} s to create and register them)`,
    );
    const { spec, changed } = bed.files;
    const rows = result.rows;
    const apply = (file: string) => () => bed.nmteam(['apply', file, '--no-activate']);

    log(
      `[${teams} teams] cold apply with and without verification, alternating with the AddConnection2 lower bound (pipelined), then the sequential one`,
    );
    // With --no-verify too: what the verification (reading back every profile written, re-planning) costs.
    const [cold, noVerify, ...lowerBounds] = await coldVsLowerBound(bed, o.reps, apply(spec), () =>
      bed.nmteam(['apply', spec, '--no-activate', '--no-verify']),
    );
    rows.push(cold!, noVerify!);
    log(`[${teams} teams] no-op apply`);
    rows.push(await scenario(bed, o.reps, 'noop-apply', apply(spec)));
    // The default mode: planning also asks which of the teams are up (their devices, by name).
    rows.push(
      await scenario(
        bed,
        o.reps,
        'noop-apply-activate',
        () => bed.nmteam(['apply', spec]),
        undefined,
        'without --no-activate',
      ),
    );
    log(`[${teams} teams] one-field change`);
    rows.push(
      await scenario(
        bed,
        o.reps,
        'one-field-change',
        apply(changed),
        async () => void (await apply(spec)()),
        'primary of t0 moved',
      ),
    );
    await apply(spec)();
    log(`[${teams} teams] plan and show`);
    rows.push(await scenario(bed, o.reps, 'plan-noop', () => bed.nmteam(['plan', spec, '--no-activate'])));
    rows.push(await scenario(bed, o.reps, 'show', () => bed.nmteam(['show'])));
    await bed.reset();
    rows.push(await scenario(bed, o.reps, 'plan-cold', () => bed.nmteam(['plan', spec, '--no-activate'])));

    rows.push(...lowerBounds);
    if (o.nmcliReps > 0) {
      log(`[${teams} teams] nmcli script (${teams * 5} nmcli processes)`);
      rows.push(await nmcliBaseline(bed, o.nmcliReps));
    }
    if (teams === Math.max(...o.teams)) {
      log(`[${teams} teams] watch`);
      await bed.reset();
      await apply(spec)();
      const ctx = { sb: bed.sb, client: bed.client, runner, cli: bed.cli, spec, teams, reps: Math.max(o.reps, 5) };
      result.watch = await measureWatch(ctx);
      const nodeOptions = unitNodeOptions(
        fs.readFileSync(path.join(repoRoot(), 'examples', 'nmteam-watch.service'), 'utf8'),
      );
      if (nodeOptions) {
        log(`[${teams} teams] watch as the systemd unit runs it (NODE_OPTIONS=${nodeOptions})`);
        result.watchUnit = await measureWatch({ ...ctx, nodeOptions });
      }
    }
  } finally {
    await stop();
  }
}

/** Node start-up: `nmteam --version` against a bare `node -e 0`. */
async function startup(runner: Runner, cli: string, n: number): Promise<BenchResult['startup']> {
  const version: ChildRun[] = [];
  const bare: number[] = [];
  for (let i = 0; i < n; i++) {
    version.push(await runner.node(cli, ['--version'], process.env));
    bare.push((await runner.run(process.execPath, ['-e', '0'], process.env)).ms);
  }
  return {
    versionMs: stat(version.map((r) => r.ms)),
    versionRssMb: Math.max(...version.map((r) => r.maxRssKb ?? 0)) / 1024,
    nodeBareMs: stat(bare),
  };
}

export async function runBench(opts: Partial<BenchOptions> = {}): Promise<BenchResult> {
  const o: BenchOptions = { ...DEFAULT_OPTIONS, ...opts };
  const cli = path.resolve(o.cli ?? cliPath());
  if (!fs.existsSync(cli)) throw new Error(`${cli} does not exist: run \`npm run build\` first`);
  const runner = new Runner();
  const result: BenchResult = {
    date: new Date().toISOString(),
    machine: {
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      kernel: os.release(),
      node: process.version,
      networkManager: '',
      loadAvg1m: { start: os.loadavg()[0]!, end: NaN },
    },
    options: { teams: o.teams, reps: o.reps, nmcliReps: o.nmcliReps, synthetic: o.synthetic, cli },
    startup: { versionMs: stat([]), versionRssMb: 0, nodeBareMs: stat([]) },
    sandboxes: [],
    rows: [],
    synthetic: [],
    watch: { available: false, note: 'not measured' },
    targets: [],
  };
  try {
    o.log?.('start-up: nmteam --version');
    result.startup = await startup(runner, cli, Math.max(o.reps, 10));
    o.log?.('plan/diff in process on synthetic profile sets');
    result.synthetic = measureSynthetic(o.synthetic);
    for (const teams of o.teams) await benchTeams(teams, { ...o, cli }, runner, result);
    result.targets = targets(result);
    result.machine.loadAvg1m.end = os.loadavg()[0]!;
    return result;
  } finally {
    runner.cleanup();
  }
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** The targets, for the largest team count measured. Reported, never asserted. */
export function targets(r: BenchResult): Target[] {
  const n = Math.max(...r.options.teams);
  const get = (s: Scenario): Row | undefined => r.rows.find((x) => x.scenario === s && x.teams === n);
  const cold = get('cold-apply');
  const lb = get('lower-bound-pipelined');
  const nmcli = get('nmcli-script');
  const noop = get('noop-apply');
  const change = get('one-field-change');
  const out: Target[] = [];
  const add = (name: string, target: string, measured: string | undefined, met: boolean | undefined): void => {
    out.push({
      name,
      target,
      measured: measured ?? 'n/a',
      met: measured === undefined || met === undefined ? null : met,
    });
  };
  const paired = cold?.pairedRatio;
  const noVerify = get('cold-apply-no-verify')?.pairedRatio;
  add(
    `cold apply ${n}×4 vs AddConnection2 lower bound`,
    '≤ 1.3×',
    cold && lb && paired
      ? `${paired.median.toFixed(2)}× (median of ${paired.samples.length} alternating pairs, ${paired.min.toFixed(2)}–${paired.max.toFixed(2)}; medians ${fmt(cold.ms.median)} vs ${fmt(lb.ms.median)})` +
          (noVerify ? `; with --no-verify ${noVerify.median.toFixed(2)}×` : '')
      : undefined,
    cold && lb && paired ? paired.median <= 1.3 : undefined,
  );
  add(
    `cold apply ${n}×4 vs nmcli script`,
    '≥ 10× faster',
    cold && nmcli
      ? `${(nmcli.ms.median / cold.ms.median).toFixed(1)}× (${fmt(nmcli.ms.median)} vs ${fmt(cold.ms.median)})`
      : undefined,
    cold && nmcli ? nmcli.ms.median >= 10 * cold.ms.median : undefined,
  );
  const noopActivate = get('noop-apply-activate');
  add(
    `no-op apply ${n}×4`,
    '< 0.5 s end to end, 0 writes',
    noop
      ? `${fmt(noop.ms.median)}, ${noop.writes ?? '?'} writes` +
          (noopActivate
            ? `; without --no-activate ${fmt(noopActivate.ms.median)}, ${noopActivate.writes ?? '?'} writes`
            : '')
      : undefined,
    noop ? [noop, noopActivate].every((x) => !x || (x.ms.median < 500 && x.writes === 0)) : undefined,
  );
  const profileWrites = change
    ? Object.entries(change.callsByMember ?? {})
        .filter(([m]) => WRITE_MEMBERS.has(m) && !m.startsWith('Checkpoint'))
        .reduce((s, [, k]) => s + k, 0)
    : undefined;
  add(
    `one-field change in the ${n}-team file`,
    '1–2 writes, ≤ 1.5× the no-op run',
    change && noop
      ? `${profileWrites} profile writes (+${(change.writes ?? 0) - (profileWrites ?? 0)} checkpoint), ${fmt(change.ms.median)} = ${(change.ms.median / noop.ms.median).toFixed(2)}× no-op`
      : undefined,
    change && noop && profileWrites !== undefined
      ? profileWrites >= 1 && profileWrites <= 2 && change.ms.median <= 1.5 * noop.ms.median
      : undefined,
  );
  // Every step between consecutive sizes, no-op and cold plans alike (a cold plan once grew quadratically with the
  // team count while the no-op one stayed linear). Linear allows up to twice the size ratio: garbage collection of
  // a larger heap costs more per profile; a quadratic step from 1000 to 5000 profiles is 5× over.
  const steps = (['noop', 'cold'] as const).flatMap((c) => {
    const rows = r.synthetic.filter((s) => s.case === c).sort((a, b) => a.profiles - b.profiles);
    return rows.slice(1).map((large, i) => ({ c, small: rows[i]!, large }));
  });
  add(
    'plan/diff growth (in process)',
    'linear in profiles (each step ≤ 2× the size ratio)',
    steps.length
      ? steps
          .map(
            ({ c, small, large }) =>
              `${c} ${small.profiles}→${large.profiles}: ×${(large.ms / small.ms).toFixed(1)} for ×${large.profiles / small.profiles}`,
          )
          .join('; ')
      : undefined,
    steps.length
      ? steps.every(({ small, large }) => large.ms / small.ms <= 2 * (large.profiles / small.profiles))
      : undefined,
  );
  const w = r.watch;
  add(
    'watch reaction',
    'median < 100 ms',
    w.available && w.reactionMs ? `${fmt(w.reactionMs.median)}` : undefined,
    w.available && w.reactionMs ? w.reactionMs.median < 100 : undefined,
  );
  // MB as the issue says (10^6 bytes; RSS is reported in MiB elsewhere). The daemon is measured as deployed
  // (the systemd unit's NODE_OPTIONS) when the unit sets any, and plain as well.
  const mb = (mib: number): number => (mib * 2 ** 20) / 1e6;
  const u = r.watchUnit;
  const deployed =
    u?.available && u.peakRssMb !== undefined ? u : w.available && w.peakRssMb !== undefined ? w : undefined;
  const plain = w.available && w.peakRssMb !== undefined ? `${mb(w.peakRssMb).toFixed(0)} MB plain` : undefined;
  add(
    `watch peak RSS with ${n} teams`,
    '< 100 MB',
    deployed?.available && deployed.peakRssMb !== undefined
      ? deployed === u
        ? `${mb(deployed.peakRssMb).toFixed(0)} MB as the unit runs it (NODE_OPTIONS=${u.nodeOptions}); ${plain ?? 'plain n/a'}`
        : (plain ?? 'n/a')
      : undefined,
    deployed?.available && deployed.peakRssMb !== undefined ? mb(deployed.peakRssMb) < 100 : undefined,
  );
  return out;
}
