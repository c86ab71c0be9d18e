/**
 * Entry of `npm run bench`:
 *
 *   npm run bench -- [--teams 10,50,100] [--reps 3] [--nmcli-reps 1] [--synthetic 100,1000,5000] [--json FILE] [--cli FILE]
 *
 * Needs root (the sandbox uses network namespaces), NetworkManager, dbus and
 * a built CLI (the npm script builds first). Prints Markdown tables on
 * stdout, progress on stderr.
 */
import * as fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_OPTIONS, runBench } from './bench';
import { renderResult } from './report';

function counts(v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 10_000))
    throw new InvalidArgumentError('expected a comma-separated list of positive integers');
  return xs;
}

function count(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return n;
  };
}

export async function main(argv: string[]): Promise<number> {
  const o = new Command('bench')
    .description('nmteam against a sandbox NetworkManager, an nmcli script and the AddConnection2 lower bound')
    .option('--teams <list>', 'team counts, 4 members each', counts, DEFAULT_OPTIONS.teams)
    .option('--reps <n>', 'timed repetitions per scenario (median)', count(1), DEFAULT_OPTIONS.reps)
    .option('--nmcli-reps <n>', 'repetitions of the nmcli script (0: skip it)', count(0), DEFAULT_OPTIONS.nmcliReps)
    .option(
      '--synthetic <list>',
      'profile counts for the in-process plan/diff timing',
      counts,
      DEFAULT_OPTIONS.synthetic,
    )
    .option('--json <file>', 'also write the result as JSON')
    .option('--cli <file>', 'the nmteam CLI to measure (default: dist/cli.js of this checkout)')
    .parse(argv, { from: 'user' })
    .opts<{ teams: number[]; reps: number; nmcliReps: number; synthetic: number[]; json?: string; cli?: string }>();
  if (process.getuid?.() !== 0)
    process.stderr.write('bench: not root; the sandbox needs root (network namespaces) and will likely fail\n');
  const result = await runBench({ ...o, log: (l) => process.stderr.write(`bench: ${l}\n`) });
  process.stdout.write(renderResult(result));
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
