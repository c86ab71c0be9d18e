/**
 * Glue for the VM scenarios as jest tests (test/vm/*.test.ts).
 *
 * `npm test` and `npm run test:vm` set NMTEAM_VM_REQUIRED=1: a machine that cannot
 * run the VM fails the run with the reasons. Only a jest run without it (by hand)
 * skips the VM suites, with the reasons on stderr, when QEMU is not usable.
 * Timings of every run are printed and appended to $NMTEAM_VM_TIMINGS
 * (default <os.tmpdir()>/nmteam-vm-timings.jsonl).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../sandbox/cli';
import { vmProblems } from './check';
import { type KernelSuite, prepareVm, type VmImage } from './prepare';
import { prepareUserland, selectedUserland } from '../sandbox/userland';
import { runVm, type VmRun } from './run';

export interface VmAvailability {
  /** Run the VM suites. */
  run: boolean;
  /** Why the VM cannot run here (empty when it can). */
  problems: string[];
  /** NMTEAM_VM_REQUIRED=1: problems are failures, not skips. */
  required: boolean;
}

export function vmAvailability(): VmAvailability {
  const problems = vmProblems();
  const required = process.env.NMTEAM_VM_REQUIRED === '1';
  return { run: problems.length === 0 || required, problems, required };
}

const images = new Map<KernelSuite, Promise<VmImage>>();

/** Prepare once per jest worker and suite (the cache makes later prepares cheap anyway). */
export function vmImage(suite: KernelSuite = 'host'): Promise<VmImage> {
  let image = images.get(suite);
  if (!image) {
    image = prepareVm({ suite, log: (s) => process.stderr.write(s) }).then((img) => {
      const kernel = `${img.kernelPackage} ${img.kernelVersion}`;
      recordTiming({ what: 'prepare', ms: img.ms, did: img.did.join(', ') || 'cached', kernel });
      return img;
    });
    images.set(suite, image);
  }
  return image;
}

/**
 * The kernel and userland the VM runs: the host's own, or with NMTEAM_NM=trixie (the jest project vm-nm152)
 * Debian 13's kernel and its userland's NetworkManager 1.52 (docs/versions.md).
 */
async function vmSetup(): Promise<{ img: VmImage; userland?: string; label: string }> {
  if (selectedUserland() === 'host') return { img: await vmImage('host'), label: 'host' };
  const t0 = Date.now();
  const u = await prepareUserland('trixie');
  recordTiming({ what: 'prepare-userland', ms: Date.now() - t0, nm: u.nmPackage });
  return { img: await vmImage('trixie'), userland: u.root, label: `trixie, NetworkManager ${u.nmPackage}` };
}

function recordTiming(t: Record<string, unknown>): void {
  const line = JSON.stringify({ at: new Date().toISOString(), ...t });
  process.stderr.write(`nmteam-vm timing: ${line}\n`);
  const file = process.env.NMTEAM_VM_TIMINGS || path.join(os.tmpdir(), 'nmteam-vm-timings.jsonl');
  try {
    fs.appendFileSync(file, line + '\n');
  } catch {
    /* timings are a convenience */
  }
}

/** Result folders of runs more than a day old (each run keeps its own, ~100 KB, for diagnosis). */
function pruneOldResults(): void {
  const tmp = os.tmpdir();
  for (const name of fs.readdirSync(tmp).filter((n) => n.startsWith('nmteam-vm-'))) {
    const dir = path.join(tmp, name);
    try {
      const st = fs.statSync(dir);
      if (st.isDirectory() && Date.now() - st.mtimeMs > 86_400_000) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* someone else's, or gone */
    }
  }
}

/**
 * Boot the VM for test/vm/scenarios/NAME and return its results; fails with the
 * guest's logs when the scenario did not finish.
 *
 * @example
 *   const r = await runScenario('failover.sh')
 *   r.results.filter((x) => x.check === 'show')
 */
export async function runScenario(name: string): Promise<VmRun> {
  const problems = vmProblems();
  if (problems.length) throw new Error(`the team VM cannot run here:\n  ${problems.join('\n  ')}`);
  const scenario = path.join(repoRoot(), 'test', 'vm', 'scenarios', name);
  if (!fs.existsSync(path.join(repoRoot(), 'dist', 'cli.js')))
    throw new Error('dist/cli.js does not exist: run `npm run build` first (the guest runs it)');
  const { img, userland, label } = await vmSetup();
  pruneOldResults();
  const r = await runVm(img, scenario, { userland });
  const g = r.guest;
  recordTiming({
    what: name,
    on: `${label}, ${img.kernelPackage}`,
    code: r.code,
    wallMs: r.wallMs,
    kernelUp: g.stage1,
    nmReady: g['nm-ready'],
    scenarioS:
      g['scenario-done'] !== undefined && g['nm-ready'] !== undefined
        ? Math.round((g['scenario-done'] - g['nm-ready']) * 100) / 100
        : undefined,
    outDir: r.outDir,
  });
  if (r.code === 125 || r.code === 124) {
    const tail = (f: string): string => r.file(f).split('\n').slice(-25).join('\n');
    throw new Error(
      `VM scenario ${name} did not finish (code ${r.code}); results in ${r.outDir}\n--- console.log\n${tail('console.log')}\n--- scenario.log\n${tail('scenario.log')}`,
    );
  }
  return r;
}

/** The result lines of one check, optionally with one label. */
export function checks(r: VmRun, check: string, label?: string): Record<string, unknown>[] {
  return r.results.filter((x) => x.check === check && (label === undefined || x.label === label));
}

/** The single result line of a check (and label); fails with what the scenario logged if it is missing. */
export function check(r: VmRun, name: string, label?: string): Record<string, unknown> {
  const found = checks(r, name, label);
  if (found.length !== 1) {
    throw new Error(
      `expected one '${name}'${label ? ` '${label}'` : ''} result, got ${found.length}; see ${r.outDir}\n${r.file('scenario.log').split('\n').slice(-30).join('\n')}`,
    );
  }
  return found[0]!;
}
