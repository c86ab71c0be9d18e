/**
 * `npm run bench:fleet`: the Ansible collection's cost (issue 20), on sandbox hosts (test/fleet/harness.ts).
 *
 *   npm run bench:fleet -- [--hosts 8,16] [--forks 8] [--reps 5]
 *
 * 1. The role (playbook nmteam.network.site, commit-confirmed) on N fresh hosts with `forks`: wall time of the
 *    first rollout (installs nmteam, applies, reconnects, commits) and of a re-run that changes nothing.
 * 2. The module's overhead on one host: the `nmteam` task's own duration (start to result on that host, from the
 *    fleet_record callback) against a bare `nmteam apply` of the same desired state on the same host, both
 *    alternating between two desired states (so each run changes a profile) and both with nothing to change;
 *    and the same apply as a plain `command:` task, Ansible's own cost per task without the module.
 * Needs root, NetworkManager, dbus, ansible-core and a built CLI. Markdown on stdout, progress on stderr.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { startSandbox, type Sandbox } from '../test/harness/sandbox/sandbox';
import { runNmteam } from '../test/harness/sandbox/cli';
import { type FleetHost, hostVars, packNmteam, playbook } from '../test/fleet/harness';

const log = (s: string): void => void process.stderr.write(`bench:fleet: ${s}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function teams(n: number, net: number): unknown[] {
  return [
    {
      type: 'team',
      name: 'team0',
      bonding_options: '{"runner": {"name": "activebackup"}}',
      addresses: [{ ip_netmask: `10.0.${n}.10/24` }],
      members: [
        { type: 'interface', name: 'eth0', primary: true },
        { type: 'interface', name: 'eth1' },
      ],
    },
    {
      type: 'team',
      name: 'team1',
      bonding_options: '{"runner": {"name": "loadbalance"}}',
      addresses: [{ ip_netmask: `10.${net}.${n}.10/24` }],
      members: [
        { type: 'interface', name: 'eth2' },
        { type: 'interface', name: 'eth3' },
      ],
    },
  ];
}

async function withHosts<T>(tmp: string, n: number, fn: (hosts: FleetHost[]) => Promise<T>): Promise<T> {
  const tarball = await packNmteam(tmp);
  const sbs: Sandbox[] = [];
  try {
    sbs.push(...(await Promise.all(Array.from({ length: n }, () => startSandbox({ baseDir: tmp })))));
    const vars = (sb: Sandbox, i: number) => ({ ...hostVars(sb, tarball), nmteam_network_config: teams(i + 1, 1) });
    return await fn(sbs.map((sb, i) => ({ name: `h${i + 1}`, sb, vars: vars(sb, i) })));
  } finally {
    await Promise.all(sbs.map((sb) => sb.stop().catch(() => undefined)));
  }
}

async function roleWallTime(n: number, forks: number): Promise<string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-bench-fleet-'));
  try {
    return await withHosts(tmp, n, async (hosts) => {
      const first = await playbook(tmp, hosts, 'nmteam.network.site', [], forks);
      const again = await playbook(tmp, hosts, 'nmteam.network.site', [], forks);
      const changed = Object.values(first.record.stats).filter((s) => s.changed > 0 && s.failures === 0).length;
      const still = Object.values(again.record.stats).filter((s) => s.changed === 0 && s.failures === 0).length;
      if (first.code !== 0 || again.code !== 0 || changed !== n || still !== n) {
        throw new Error(`role run failed (see ${tmp}/ansible.log)`);
      }
      log(`${n} hosts, forks ${forks}: first rollout ${first.ms} ms, re-run ${again.ms} ms`);
      return `| ${n} | ${forks} | ${(first.ms / 1000).toFixed(1)} s | ${(again.ms / 1000).toFixed(1)} s |`;
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 10 });
  }
}

async function moduleOverhead(reps: number): Promise<string[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-bench-fleet-'));
  try {
    return await withHosts(tmp, 1, async ([host]) => {
      const h = host!;
      // Install nmteam and apply state A once, committed, through the role.
      const installed = await playbook(tmp, [h], 'nmteam.network.site');
      if (installed.code !== 0) throw new Error(`install failed (see ${tmp}/ansible.log)`);
      const dest = h.vars.nmteam_desired_state as string;
      const files = [1, 2].map((net) => {
        const f = path.join(tmp, `state-${net}.yaml`);
        fs.writeFileSync(f, JSON.stringify({ network_config: teams(1, net) }, null, 2));
        return f;
      });
      const env = h.vars.nmteam_environment as Record<string, string>;
      const bare = async (file: string): Promise<number> => {
        const t0 = process.hrtime.bigint();
        const r = await runNmteam(h.sb, ['apply', file, '--no-activate', '-o', 'json'], { env });
        if (r.code !== 0) throw new Error(`nmteam apply: ${r.stderr}`);
        return Number(process.hrtime.bigint() - t0) / 1e9;
      };
      const play = path.join(tmp, 'module.yml');
      const task = (net: number): unknown => ({
        name: `apply ${net}`,
        'nmteam.network.nmteam': {
          network_config: teams(1, net),
          dest,
          activate: false,
          nmteam_bin: `${h.vars.nmteam_bin_dir as string}/nmteam`,
        },
        environment: '{{ nmteam_environment }}',
      });
      /** Runs `tasks` as one play on the host; the durations of its tasks of `action`, from fleet_record. */
      const timed = async (name: string, action: string, tasks: unknown[]): Promise<number[]> => {
        fs.writeFileSync(play, JSON.stringify([{ name, hosts: 'all', gather_facts: false, tasks }]));
        const p = await playbook(tmp, [h], play);
        if (p.code !== 0) throw new Error(`${name} run failed (see ${tmp}/ansible.log)`);
        return p.record.results.filter((t) => t.action === action).map((t) => t.seconds!);
      };
      const viaModule = (nets: number[]): Promise<number[]> => timed('module', 'nmteam.network.nmteam', nets.map(task));
      // Ansible's own cost per task, without the module: the same apply as a plain `command:` task (what a playbook
      // without the collection would run), timed the same way.
      const cmdTask = (file: string): unknown => ({
        name: `command ${path.basename(file)}`,
        'ansible.builtin.command': {
          argv: [`${h.vars.nmteam_bin_dir as string}/nmteam`, 'apply', file, '--no-activate', '-o', 'json'],
        },
        environment: '{{ nmteam_environment }}',
        changed_when: false,
      });
      const viaCommand = (files: string[]): Promise<number[]> =>
        timed('command', 'ansible.builtin.command', files.map(cmdTask));
      // Interleaved, so that the machine's load drifts alike for both: each rep applies state 2 then 1 (each
      // run changes a profile; both end on state 1, the role's) bare, through the module and as a command: task,
      // then state 1 again (nothing to change) the same three ways.
      const bareChange: number[] = [];
      const bareSame: number[] = [];
      const modChange: number[] = [];
      const modSame: number[] = [];
      const cmdChange: number[] = [];
      const cmdSame: number[] = [];
      for (let i = 0; i < reps; i++) {
        bareChange.push(await bare(files[1]!), await bare(files[0]!));
        modChange.push(...(await viaModule([2, 1])));
        cmdChange.push(...(await viaCommand([files[1]!, files[0]!])));
        bareSame.push(await bare(files[0]!));
        modSame.push(...(await viaModule([1])));
        cmdSame.push(...(await viaCommand([files[0]!])));
      }
      const row = (what: string, b: number[], m: number[], c: number[]): string => {
        const [x, y, z] = [median(b), median(m), median(c)];
        const cells = [
          what,
          `${x.toFixed(2)} s`,
          `${y.toFixed(2)} s`,
          `${(y - x).toFixed(2)} s`,
          `${(y / x).toFixed(2)}×`,
          `${z.toFixed(2)} s`,
          `${(y / z).toFixed(2)}×`,
        ];
        return `| ${cells.join(' | ')} |`;
      };
      return [
        row('each run changes a profile', bareChange, modChange, cmdChange),
        row('nothing to change', bareSame, modSame, cmdSame),
      ];
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 10 });
  }
}

async function main(argv: string[]): Promise<void> {
  const o = new Command('bench:fleet')
    .option('--hosts <list>', "fleet sizes ('' for none: the module's overhead only)", '8,16')
    .option('--forks <n>', 'ansible forks', '8')
    .option('--reps <n>', 'runs per measurement of the module overhead (medians)', '5')
    .parse(argv, { from: 'user' })
    .opts<{ hosts: string; forks: string; reps: string }>();
  const load = os.loadavg()[0]!.toFixed(1);
  const out = [
    `Fleet (Ansible collection), ${os.cpus().length} cores, load average ${load} at the start; pipelining on.`,
    '',
    '| hosts | forks | first rollout (install, apply, reconnect, commit) | re-run (no change) |',
    '| --- | --- | --- | --- |',
  ];
  for (const n of o.hosts.split(',').filter(Boolean).map(Number)) out.push(await roleWallTime(n, Number(o.forks)));
  out.push(
    '',
    '| one host | bare `nmteam apply` | `nmteam` module task | overhead | ratio | the same apply as a `command:` task | module / `command:` |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  out.push(...(await moduleOverhead(Number(o.reps))));
  process.stdout.write(out.join('\n') + '\n');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bench:fleet: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
