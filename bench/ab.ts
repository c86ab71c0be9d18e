/**
 * Interleaved A/B of builds of the CLI against one sandbox NetworkManager: each round runs every scenario once
 * per build, builds in a rotating order, so that all builds see the same load (this machine is shared, and a
 * full `npm run bench` per build, minutes apart, compares hours rather than builds). Used to decide which
 * speed tricks stay (docs/performance.md).
 *
 *   node …/bench/ab.js --teams 100 --rounds 5 base=/tmp/v/base/dist/cli.js nofast=/tmp/v/nofast/dist/cli.js …
 *
 * The first build named is the reference. Prints, per scenario and build, the median wall time and client CPU
 * and the median of the per-round differences against the reference (with their range: the noise).
 */
import { Command, InvalidArgumentError } from 'commander';
import { Bed } from './bench';
import { type ChildRun, Runner, median } from './measure';

type Scenario = 'version' | 'plan-noop' | 'noop-apply' | 'show' | 'cold-apply';
const SCENARIOS: Scenario[] = ['version', 'plan-noop', 'noop-apply', 'show', 'cold-apply'];

interface Build {
  name: string;
  cli: string;
}

function builds(v: string, prev: Build[] = []): Build[] {
  const eq = v.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('expected NAME=PATH/TO/cli.js');
  return [...prev, { name: v.slice(0, eq), cli: v.slice(eq + 1) }];
}

async function main(argv: string[]): Promise<void> {
  const o = new Command('ab')
    .option('--teams <n>', 'teams, 4 members each', (v) => Number(v), 100)
    .option('--rounds <n>', 'rounds (each runs every scenario once per build)', (v) => Number(v), 5)
    .option(
      '--scenarios <list>',
      'comma-separated subset of ' + SCENARIOS.join(','),
      (v) => v.split(',') as Scenario[],
      SCENARIOS,
    )
    .argument('<builds...>', 'NAME=cli.js, the reference first')
    .parse(argv, { from: 'user' });
  const opts = o.opts<{ teams: number; rounds: number; scenarios: Scenario[] }>();
  const list = (o.args as string[]).reduce<Build[]>((acc, a) => builds(a, acc), []);
  const log = (l: string): void => void process.stderr.write(`ab: ${l}\n`);
  const runner = new Runner();
  const { bed, stop } = await Bed.start(opts.teams, runner, list[0]!.cli);
  // samples[scenario][build] = per-round [wall ms, client CPU ms]
  const samples = new Map<string, { ms: number[]; cpu: number[] }>();
  const key = (s: Scenario, b: string): string => `${s}\t${b}`;
  const loads: number[] = [];
  try {
    const { spec } = bed.files;
    const run = (b: Build, args: string[]) => async (): Promise<ChildRun> => {
      const r = await runner.node(b.cli, args, bed.sb.env);
      if (r.code !== 0) throw new Error(`${b.name}: nmteam ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
      return r;
    };
    const args: Record<Scenario, string[]> = {
      version: ['--version'],
      'plan-noop': ['plan', spec, '--no-activate'],
      'noop-apply': ['apply', spec, '--no-activate'],
      show: ['show'],
      'cold-apply': ['apply', spec, '--no-activate'],
    };
    // Warm-up: every build once (page cache, NetworkManager's first answers), untimed. It also leaves the
    // profiles in place for the no-op scenarios, as each round's cold apply does for the next round.
    for (const b of list) await run(b, args['noop-apply'])();
    for (let round = 0; round < opts.rounds; round++) {
      loads.push((await import('node:os')).loadavg()[0]!);
      log(`round ${round + 1}/${opts.rounds} (load ${loads.at(-1)!.toFixed(1)})`);
      const order = list.map((_, i) => list[(i + round) % list.length]!);
      for (const s of opts.scenarios) {
        for (const b of order) {
          if (s === 'cold-apply') await bed.reset();
          const sample = await bed.sample(run(b, args[s]));
          const slot = samples.get(key(s, b.name)) ?? { ms: [], cpu: [] };
          slot.ms.push(sample.ms);
          slot.cpu.push(sample.run?.cpuMs ?? NaN);
          samples.set(key(s, b.name), slot);
        }
      }
    }
  } finally {
    await stop();
    runner.cleanup();
  }
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '–');
  const load = `${f(Math.min(...loads))}–${f(Math.max(...loads))}`;
  const out: string[] = [
    `A/B at ${opts.teams}×4, ${opts.rounds} rounds, interleaved; load average ${load}`,
    '',
    '| scenario | build | wall ms (median) | client CPU ms | Δ wall vs ' + list[0]!.name + ' (median, range) | Δ CPU |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of opts.scenarios) {
    const ref = samples.get(key(s, list[0]!.name))!;
    for (const b of list) {
      const x = samples.get(key(s, b.name))!;
      const dMs = x.ms.map((v, i) => v - ref.ms[i]!);
      const dCpu = x.cpu.map((v, i) => v - ref.cpu[i]!);
      const delta = b === list[0] ? '' : `${f(median(dMs))} (${f(Math.min(...dMs))} … ${f(Math.max(...dMs))})`;
      const dCpuText = b === list[0] ? '' : f(median(dCpu));
      out.push(`| ${s} | ${b.name} | ${f(median(x.ms))} | ${f(median(x.cpu))} | ${delta} | ${dCpuText} |`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`ab: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
