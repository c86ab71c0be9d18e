#!/usr/bin/env node
/**
 * By hand, after `npx tsc -p test/harness/tsconfig.json`: `node node_modules/.cache/nmteam-harness/test/harness/vm/cli.js
 * prepare` fills the cache; `… vm/cli.js run SCENARIO [OUTDIR]` boots the VM for one guest script and prints where its results
 * are, with the timings. Exit code = the scenario's (125: the guest never finished).
 */
import { vmProblems } from './check';
import { prepareVm } from './prepare';
import { runVm } from './run';

async function main(argv: string[]): Promise<number> {
  const [cmd, scenario, outDir] = argv;
  const problems = vmProblems();
  if (problems.length) {
    process.stderr.write(problems.map((p) => `nmteam-vm: ${p}\n`).join(''));
    return 1;
  }
  const image = await prepareVm({ log: (s) => process.stderr.write(s) });
  process.stderr.write(
    `nmteam-vm: ${image.kernelPackage} ${image.kernelVersion} in ${image.dir} (${image.did.join(', ') || 'cached'}, ${image.ms} ms)\n`,
  );
  if (cmd === 'prepare') return 0;
  if (cmd !== 'run' || !scenario) {
    process.stderr.write('usage: cli.js prepare | run SCENARIO [OUTDIR]\n');
    return 1;
  }
  const r = await runVm(image, scenario, outDir ? { outDir } : {});
  process.stdout.write(
    `${JSON.stringify({ code: r.code, outDir: r.outDir, wallMs: r.wallMs, guest: r.guest, results: r.results.length })}\n`,
  );
  return r.code;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`nmteam-vm: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
