import { progressForRun } from './progress';
import * as fs from 'node:fs';
import type { NmPort } from '../nm/port';
import type { ApplyOptions, ApplyResult } from '../transaction/apply';
import { WRITE_BATCH } from '../reconcile/batches';
import { countChanges, type Plan, type PlanOptions } from '../reconcile/plan';
import { observeAndPlan, planFromSystem } from '../transaction/observe';
import { reconcile } from '../transaction/reconcile';
import { renderPlan } from '../reconcile/render';
import { parseSavedPlan, type SavedPlan, savePlan, staleness } from '../reconcile/saved-plan';
import { ReconcileError, ReconcileErrors } from '../core/errors';
import { readSpecText } from '../spec/load';
import { formatErrors } from '../spec/parse';
import type { Spec } from '../core/types';
import type { NmConnection } from '../nm/types';
import { EXIT } from '../core/exit-codes';
import { type Io, type LazyNm, lockWaitNotice, specFromText, withNm } from '../transaction/common';
import { DEFAULT_SCOPE } from '../nm/settings/team';
import { armExpiry } from './expiry';

/** `nmteam plan`'s command line. */
export interface PlanArgs {
  output: string;
  mapping?: string;
  activate: boolean;
  /** The scope the desired state owns (--scope). */
  scope?: string;
  /** A desired state with no team entry may prune every team of the scope (--allow-empty). */
  allowEmpty?: boolean;
  /** Take over in place the profiles in the way that can be adopted (--adopt). */
  adopt?: boolean;
  /** plan: also write the plan, with its desired state, to this file for a later `apply FILE`. */
  out?: string;
  /** Warnings (keys with no effect, nested teams) are errors: exit 3, nothing applied (--strict). */
  strict?: boolean;
}

/** `nmteam apply`'s command line. */
export interface ApplyArgs extends PlanArgs {
  dryRun?: boolean;
  detailedExitCodes?: boolean;
  timeout: number;
  verify: boolean;
  commit: boolean;
  memoryOnly?: boolean;
  waitLock: number;
}

/** `plan`/`apply -o json`: the plan, and with a result each step's outcome (never a journal's content). */
export function planJson(plan: Plan, result?: ApplyResult, warnings: readonly ReconcileError[] = []): string {
  const body: Record<string, unknown> = { plan, changes: countChanges(plan) };
  if (warnings.length > 0) body.warnings = warnings.map((w) => w.toJSON());
  if (result) {
    body.results = result.results.map((r) => ({
      op: r.step.op,
      team: r.step.team,
      ...(r.step.op === 'activate' && r.step.port ? { port: r.step.port } : {}),
      outcome: r.outcome,
      path: r.path,
      ...(r.ports ? { ports: r.ports } : {}),
      ...(r.reattached ? { reattached: r.reattached } : {}),
      ...(r.waitedForDevice ? { waitedForDevice: r.waitedForDevice } : {}),
      error: r.error?.toJSON(),
    }));
    body.ok = result.ok;
    body.rolledBack = result.rolledBack;
    if (result.error) body.error = result.error.toJSON();
    if (result.rollbackErrors.length) body.rollbackErrors = result.rollbackErrors.map((e) => e.toJSON());
    if (result.pending) {
      body.pending = result.pending;
      if (result.pending.checkpoint) body.pendingCheckpoint = result.pending.checkpoint;
    }
  }
  return JSON.stringify(body, null, 2) + '\n';
}

export function renderResult(r: ApplyResult, timeoutS: number): string {
  const lines: string[] = [];
  const count = (o: string): number => r.results.filter((x) => x.outcome === o).length;
  for (const x of r.results) {
    if (x.outcome !== 'failed') continue;
    const s = x.step;
    lines.push(
      `${s.team}: FAILED ${s.op}${s.op === 'activate' ? ' team' : ` '${s.id}' (${s.ifname})`}: ${x.error?.message}`,
    );
  }
  if (r.error && !r.results.some((x) => x.error === r.error)) lines.push(`FAILED: ${r.error.message}`);
  if (r.error && r.results.length === 0 && !r.rolledBack) return lines.join('\n') + '\n'; // refused before any write
  if (r.rolledBack) {
    lines.push(
      r.rollbackErrors.length === 0
        ? `Rolled back: NetworkManager is as it was before this run (checkpoint rolled back, ${r.restored} profile(s) restored from the journal, created profiles removed).`
        : `Rollback INCOMPLETE; NetworkManager may differ from before:\n${r.rollbackErrors.map((e) => `  ${e.message}`).join('\n')}`,
    );
    if (r.rollbackErrors.some((e) => e.code === 'NM_UNRESPONSIVE')) {
      lines.push(
        `NetworkManager stopped answering, so nmteam stopped calling it; the undo journal is kept: the next nmteam run (apply, or 'nmteam rollback') finishes the rollback once NetworkManager answers again.`,
      );
    }
    return lines.join('\n') + '\n';
  }
  for (const x of r.results) {
    if (x.waitedForDevice)
      lines.push(
        `${x.step.team}: waited ${(x.waitedForDevice.ms / 1000).toFixed(1)} s for the old device ${x.waitedForDevice.device} to go away before activating`,
      );
    if (x.ports)
      lines.push(
        `${x.step.team}: ${Object.entries(x.ports)
          .map(([p, st]) => `${p} ${st}${x.reattached?.includes(p) ? ' (re-attached: teamd had missed it)' : ''}`)
          .join(', ')}`,
      );
  }
  const reapplied = count('reapplied') ? `, ${count('reapplied')} reapplied` : '';
  lines.push(
    `Applied: ${count('created')} created, ${count('updated')} updated, ${count('deleted')} deleted, ${count('activated')} activated${reapplied}.`,
  );
  if (r.pending) {
    const cp = r.pending.checkpoint ? ` (checkpoint ${r.pending.checkpoint})` : '';
    lines.push(
      `The change is pending${cp}: run 'nmteam commit' within ${timeoutS} s (by ${r.pending.expiresAt}) to keep it, or 'nmteam rollback' to undo it; otherwise it is rolled back.`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * What `file` holds, read once: a desired state, or a plan saved by `plan --out` (from a file only,
 * not stdin) with the desired state it carries. Options that shape a plan cannot reshape a saved one.
 * Invalid input is thrown before the lock and the bus.
 */
async function readInput(
  nm: LazyNm,
  file: string,
  o: PlanArgs,
  io: Io,
): Promise<{ spec: Spec; saved?: SavedPlan; warnings: ReconcileError[] }> {
  const read = await readSpecText(file);
  if (!read.ok) throw new ReconcileErrors(read.errors);
  const saved = file === '-' ? undefined : parseSavedPlan(read.text, file);
  if (!saved) {
    const { spec, warnings } = await specFromText(nm, read.text, read.name, o.mapping, o.strict);
    if (warnings.length > 0) io.err(formatErrors(warnings, 'warning') + '\n');
    return { spec: o.scope && o.scope !== DEFAULT_SCOPE ? { ...spec, scope: o.scope } : spec, warnings };
  }
  if (o.scope && o.scope !== (saved.spec.scope ?? DEFAULT_SCOPE))
    throw new ReconcileError(
      'SPEC_INVALID',
      `--scope ${o.scope} does not apply to a plan saved for scope '${saved.spec.scope ?? DEFAULT_SCOPE}'`,
      undefined,
      undefined,
      file,
    );
  if (o.mapping)
    throw new ReconcileError(
      'SPEC_INVALID',
      '--mapping does not apply to a saved plan: its nicN names were resolved when it was made',
      undefined,
      undefined,
      file,
    );
  if (o.out)
    throw new ReconcileError(
      'SPEC_INVALID',
      '--out takes a desired-state file, not a saved plan',
      undefined,
      undefined,
      file,
    );
  return { spec: saved.spec, saved, warnings: [] };
}

/** What the command line asks of planning; `activate` is a saved plan's own when it has one. */
function planOptions(
  o: Pick<PlanArgs, 'allowEmpty' | 'adopt'>,
  activate: boolean,
): Required<Pick<PlanOptions, 'activate' | 'allowEmpty' | 'adopt'>> {
  return { activate, allowEmpty: o.allowEmpty === true, adopt: o.adopt === true };
}

/** STALE_PLAN unless `fresh`, planned again over NetworkManager now, is the saved plan (on the same profiles). */
function throwIfStale(saved: SavedPlan, fresh: Plan, file: string): void {
  const stale = staleness(saved, fresh, file);
  if (stale) throw stale;
}

/** The saved plan planned again over NetworkManager now: the same plan, or STALE_PLAN. */
async function freshSavedPlan(
  nm: NmPort,
  saved: SavedPlan,
  file: string,
  o: Pick<PlanArgs, 'allowEmpty' | 'adopt'>,
): Promise<{ plan: Plan; observed: NmConnection[] }> {
  const fresh = await observeAndPlan(nm, saved.spec, planOptions(o, saved.activate));
  throwIfStale(saved, fresh.plan, file);
  return fresh;
}

/**
 * `plan` only: a member with no device on this host is a warning, not an error (NICs can appear later), but
 * activating its team fails until it exists, so say so before apply finds out. One lookup per member name.
 */
async function warnMissingMembers(nm: NmPort, spec: Spec, io: Io): Promise<void> {
  const members = spec.teams.flatMap((t) => t.ports.map((p) => ({ team: t.name, name: p.name })));
  if (members.length === 0) return;
  const present = new Set((await nm.readDevicesNamed(members.map((m) => m.name))).map((d) => d.iface));
  for (const m of members.filter((x) => !present.has(x.name))) {
    io.err(
      `nmteam: warning: member ${m.name} of ${m.team} has no device on this host: activating ${m.team} fails until it exists (--no-activate writes the profiles only)\n`,
    );
  }
}

/** The plan's text, coloured when stdout takes colour (Io.outStyled). */
function printPlan(plan: Plan, io: Io): void {
  if (io.outStyled) io.outStyled(renderPlan(plan, { color: true }));
  else io.out(renderPlan(plan));
}

/** `nmteam plan`: what apply would do; writes nothing to NetworkManager. */
export async function cmdPlan(file: string, o: PlanArgs, io: Io): Promise<number> {
  return withNm(async (nm) => {
    const { spec, saved, warnings } = await readInput(nm, file, o, io);
    const plan = saved
      ? (await freshSavedPlan(await nm.get(), saved, file, o)).plan
      : await planFromSystem(await nm.get(), spec, planOptions(o, o.activate));
    await warnMissingMembers(await nm.get(), spec, io);
    if (o.output === 'json') io.out(planJson(plan, undefined, warnings));
    else printPlan(plan, io);
    if (o.out) {
      fs.writeFileSync(o.out, savePlan(spec, plan, o.activate));
      io.err(
        `nmteam: plan saved to ${o.out}; 'nmteam apply ${o.out}' applies exactly this plan, or nothing if NetworkManager changed meanwhile\n`,
      );
    }
    // A plan apply would refuse (a blocking conflict, an empty desired state) is a failure to plan.
    return plan.refusals.length > 0 ? EXIT.failure : EXIT.ok;
  });
}

/** The executor's options as the CLI runs it (apply, convert --apply): batched writes, notices on stderr. */
export function cliRunOptions(io: Io): Pick<ApplyOptions, 'writeBatch' | 'onNotice'> {
  return { writeBatch: WRITE_BATCH, onNotice: (m) => io.err(`nmteam: ${m}\n`) };
}

/** 1 on failure; with --detailed-exit-codes, 2 when something changed. */
export function applyExitCode(result: ApplyResult, detailedExitCodes?: boolean): number {
  if (!result.ok) return EXIT.failure;
  return result.changed && detailedExitCodes ? EXIT.changed : EXIT.ok;
}

/** The apply itself: reconcile() under the lock, then the plan and its result printed. */
async function applySpec(
  nm: NmPort,
  spec: Spec,
  o: ApplyArgs,
  io: Io,
  warnings: ReconcileError[],
  saved?: { plan: SavedPlan; file: string },
): Promise<number> {
  const progress = progressForRun(io, o.output === 'json');
  const { plan, result } = (await reconcile(nm, spec, {
    ...planOptions(o, saved ? saved.plan.activate : o.activate),
    verify: o.verify,
    apply: {
      ...cliRunOptions(io),
      timeoutS: o.timeout,
      commit: o.commit,
      memoryOnly: o.memoryOnly === true,
      onProgress: progress.onProgress,
    },
    waitLockS: o.waitLock,
    onWaitLock: lockWaitNotice(io),
    onPlan: (fresh: Plan) => {
      // A saved plan is applied only if planning again now gives the same plan (else STALE_PLAN, nothing applied).
      if (saved) throwIfStale(saved.plan, fresh, saved.file);
      progress.start(fresh);
    },
  }).finally(() => progress.end()))!;
  if (result.pending) armExpiry(result.pending);
  if (o.output === 'json') io.out(planJson(plan, result, warnings));
  else {
    printPlan(plan, io);
    if (plan.steps.length) io.out(renderResult(result, o.timeout));
  }
  return applyExitCode(result, o.detailedExitCodes);
}

/** `nmteam apply`: one transaction under the lock. */
export async function cmdApply(file: string, o: ApplyArgs, io: Io): Promise<number> {
  if (o.dryRun) return cmdPlan(file, o, io);
  return withNm(async (nm) => {
    const { spec, saved, warnings } = await readInput(nm, file, o, io); // invalid input fails before the lock and the bus
    return applySpec(await nm.get(), spec, o, io, warnings, saved && { plan: saved, file });
  });
}
