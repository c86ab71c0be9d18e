#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { NmClient } from './nm/client';
import type { NmPort } from './nm/port';
import { applyPlan, type ApplyResult } from './reconcile/apply';
import { isInputError, ReconcileError, ReconcileErrors } from './reconcile/errors';
import { observedTeams } from './reconcile/observe';
import { countChanges, type Plan } from './reconcile/plan';
import { planFromSystem } from './reconcile/reconcile';
import { renderPlan } from './reconcile/render';
import type { Spec } from './reconcile/types';
import { emitSpec, teamEntry } from './spec/emit';
import { loadSpec } from './spec/load';
import { formatErrors } from './spec/parse';

/**
 * argv → command. The only file that prints or sets exit codes.
 */

export const EXIT = {
  ok: 0,
  failure: 1,
  /** --detailed-exit-codes: changes were made (os-net-config's convention). */
  changed: 2,
  /** The desired state is invalid; nothing was applied. */
  invalidInput: 3,
} as const;

const VERSION: string = (require('../package.json') as { version: string }).version;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

interface CommonOpts {
  output: string;
  mapping?: string;
  timeout: number;
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

/** Connects on first use, so a bad desired state is reported even when NetworkManager is down. */
class LazyNm {
  private client: Promise<NmClient> | undefined;
  constructor(private readonly timeoutS: number) {}
  get(): Promise<NmPort> {
    return (this.client ??= NmClient.connect(this.timeoutS * 1000));
  }
  close(): void {
    this.client?.then((c) => c.close(), () => undefined);
  }
}

async function withNm<T>(timeoutS: number, fn: (nm: LazyNm) => Promise<T>): Promise<T> {
  const nm = new LazyNm(timeoutS);
  try {
    return await fn(nm);
  } finally {
    nm.close();
  }
}

async function readSpec(nm: LazyNm, file: string, mapping: string | undefined): Promise<Spec> {
  const res = await loadSpec(file, {
    ...(mapping ? { mappingFile: mapping } : {}),
    listNics: async () =>
      (await (await nm.get()).readDevices()).map((d) => ({ name: d.iface, mac: d.hwAddress, carrier: d.carrier === true, physical: d.physical === true })),
  });
  if (!res.ok) throw new ReconcileErrors(res.errors);
  return res.spec;
}

function planJson(plan: Plan, result?: ApplyResult): string {
  const body: Record<string, unknown> = { plan, changes: countChanges(plan) };
  if (result) {
    body.results = result.results.map((r) => ({ op: r.step.op, team: r.step.team, outcome: r.outcome, path: r.path, error: r.error?.toJSON() }));
    body.rolledBack = result.rolledBack;
  }
  return JSON.stringify(body, null, 2) + '\n';
}

function renderResult(r: ApplyResult): string {
  const lines: string[] = [];
  const count = (o: string): number => r.results.filter((x) => x.outcome === o).length;
  for (const x of r.results) {
    if (x.outcome !== 'failed') continue;
    const s = x.step;
    lines.push(`${s.team}: FAILED ${s.op}${s.op === 'activate' ? ' team' : ` '${s.id}' (${s.ifname})`}: ${x.error?.message}`);
  }
  if (r.rolledBack) {
    lines.push(
      r.rollbackErrors.length === 0
        ? 'A profile write failed: every profile this run had written was restored.'
        : `A profile write failed and the undo was incomplete:\n${r.rollbackErrors.map((e) => `  ${e.message}`).join('\n')}`,
    );
  } else {
    lines.push(`Applied: ${count('created')} created, ${count('updated')} updated, ${count('deleted')} deleted, ${count('activated')} activated${count('failed') ? `, ${count('failed')} failed` : ''}.`);
  }
  return lines.join('\n') + '\n';
}

async function cmdPlan(file: string, o: CommonOpts & { activate: boolean }, io: Io): Promise<number> {
  return withNm(o.timeout, async (nm) => {
    const spec = await readSpec(nm, file, o.mapping);
    const plan = await planFromSystem(await nm.get(), spec, { activate: o.activate });
    io.out(o.output === 'json' ? planJson(plan) : renderPlan(plan));
    return EXIT.ok;
  });
}

async function cmdApply(file: string, o: CommonOpts & { activate: boolean; dryRun?: boolean; detailedExitCodes?: boolean }, io: Io): Promise<number> {
  if (o.dryRun) return cmdPlan(file, o, io);
  return withNm(o.timeout, async (nm) => {
    const spec = await readSpec(nm, file, o.mapping);
    const client = await nm.get();
    const plan = await planFromSystem(client, spec, { activate: o.activate });
    const result = await applyPlan(plan, client, { activationTimeoutMs: o.timeout * 1000 });
    if (o.output === 'json') io.out(planJson(plan, result));
    else io.out(plan.steps.length === 0 ? renderPlan(plan) : renderPlan(plan) + renderResult(result));
    if (!result.ok) return EXIT.failure;
    return result.changed && o.detailedExitCodes ? EXIT.changed : EXIT.ok;
  });
}

async function cmdShow(names: string[], o: CommonOpts & { all?: boolean }, io: Io): Promise<number> {
  return withNm(o.timeout, async (nm) => {
    const teams = observedTeams(await (await nm.get()).readConnections(), { names, all: o.all === true });
    if (o.output === 'json') io.out(JSON.stringify({ network_config: teams.map(teamEntry) }, null, 2) + '\n');
    else io.out(emitSpec(teams));
    if (names.length > 0 && teams.length < names.length) {
      const found = new Set(teams.map((t) => t.name));
      io.err(`nmteam: no ${o.all ? '' : 'nmteam-owned '}team named ${names.filter((n) => !found.has(n)).join(', ')}\n`);
      return EXIT.failure;
    }
    return EXIT.ok;
  });
}

function reportError(err: unknown, io: Io): number {
  if (err instanceof ReconcileErrors) {
    io.err(formatErrors(err.errors) + '\n');
    const input = err.errors.every((e) => isInputError(e.code));
    if (input) io.err(`nmteam: ${err.errors.length} error(s) in the desired state; nothing was applied\n`);
    return input ? EXIT.invalidInput : EXIT.failure;
  }
  if (err instanceof ReconcileError) {
    io.err(`nmteam: ${err.format()}\n`);
    return isInputError(err.code) ? EXIT.invalidInput : EXIT.failure;
  }
  io.err(`nmteam: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.failure;
}

export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('nmteam')
    .description('Declarative network teams for NetworkManager: plan, apply and show teams from an os-net-config style YAML file.')
    .version(VERSION)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .addHelpText(
      'after',
      `\nExit codes: 0 success (no change), 2 changes made (apply --detailed-exit-codes), 3 invalid desired state (nothing applied), 1 any other failure.\nThe bus is the system bus; DBUS_SYSTEM_BUS_ADDRESS selects another.`,
    );
  const common = (cmd: Command, outputs: string[]): Command =>
    cmd
      .addOption(new Option('-o, --output <format>', 'output format').choices(outputs).default(outputs[0]))
      .option('--mapping <file>', "os-net-config mapping file for nicN names (interface_mapping)")
      .option('--timeout <seconds>', 'timeout for each D-Bus call and for each activation', seconds, 30);
  const run = (p: Promise<number>): Promise<void> =>
    p.then(setCode, (err: unknown) => setCode(reportError(err, io)));

  common(program.command('plan').argument('<file>', "desired-state YAML ('-' for stdin)"), ['text', 'json'])
    .description('show what apply would change, profile by profile, and write nothing')
    .option('--no-activate', 'plan without activation steps')
    .action((file: string, o: CommonOpts & { activate: boolean }) => run(cmdPlan(file, o, io)));

  common(program.command('apply').argument('<file>', "desired-state YAML ('-' for stdin)"), ['text', 'json'])
    .description('make NetworkManager match the desired state with the fewest writes')
    .option('--dry-run', 'print the plan and write nothing (same as plan)')
    .option('--detailed-exit-codes', 'exit 2 when changes were made, 0 when nothing changed')
    .option('--no-activate', 'write profiles without activating the teams')
    .action((file: string, o: CommonOpts & { activate: boolean; dryRun?: boolean; detailedExitCodes?: boolean }) => run(cmdApply(file, o, io)));

  common(program.command('show').argument('[name...]', 'team interface names (default: all)'), ['yaml', 'json'])
    .description('print the teams nmteam owns as desired-state YAML (feed it back to apply: no change)')
    .option('--all', 'include teams nmteam does not own')
    .action((names: string[], o: CommonOpts & { all?: boolean }) => run(cmdShow(names, o, io)));

  return program;
}

export async function main(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    // commander's exitOverride: --help/--version exit 0, usage errors 1 (already printed).
    const e = err as { exitCode?: number };
    return typeof e.exitCode === 'number' ? e.exitCode : reportError(err, io);
  }
  return code;
}

if (require.main === module) {
  const io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = reportError(err, io);
    },
  );
}
