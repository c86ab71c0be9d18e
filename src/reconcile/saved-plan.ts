/**
 * A plan saved to a file (`nmteam plan FILE --out plan.json`) and applied later
 * (`nmteam apply plan.json`), with Terraform's stale-plan rule: apply re-reads
 * NetworkManager, plans the saved desired state again and refuses unless it
 * gets the same plan from the same observed state (`basedOn`). What was
 * reviewed is what runs, or nothing does.
 *
 * The file is self-contained: the desired state as nmteam read it (nicN names
 * resolved, teamd JSON normalized), whether activation was planned, and the
 * plan. Pure: no I/O here.
 *
 * ```json
 * { "nmteamPlan": 1, "file": "teams.yaml", "activate": true,
 *   "spec": { "teams": [ ... ], "skipped": [] },
 *   "plan": { "basedOn": "3f2a…", "steps": [ ... ], ... } }
 * ```
 */
import { ReconcileError } from '../core/errors';
import type { Plan } from './plan';
import type { Spec } from '../core/types';

export const SAVED_PLAN_VERSION = 1;

export interface SavedPlan {
  nmteamPlan: typeof SAVED_PLAN_VERSION;
  /** The desired-state file the plan was made from (for messages only). */
  file?: string;
  /** The plan has activation steps (`plan` without `--no-activate`). */
  activate: boolean;
  spec: Spec;
  plan: Plan;
}

/** The saved-plan file's text. */
export function savePlan(spec: Spec, plan: Plan, activate: boolean): string {
  const saved: SavedPlan = {
    nmteamPlan: SAVED_PLAN_VERSION,
    ...(spec.file ? { file: spec.file } : {}),
    activate,
    spec,
    plan,
  };
  return JSON.stringify(saved, null, 2) + '\n';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The saved plan in `text`, or undefined when the text is not one (a desired-state YAML, or JSON
 * without `nmteamPlan`): the text is parsed once for both. Every problem with a saved plan's
 * shape is an SPEC_INVALID error naming the file and the key.
 *
 * @example
 *   parseSavedPlan(fs.readFileSync('plan.json', 'utf8'), 'plan.json')?.plan.steps.length   // 3
 *   parseSavedPlan('network_config: []\n', 'teams.yaml')                                   // undefined
 */
export function parseSavedPlan(text: string, file: string): SavedPlan | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(v) || !('nmteamPlan' in v)) return undefined;
  const bad = (path: string, message: string): ReconcileError =>
    new ReconcileError('SPEC_INVALID', message, path, undefined, file);
  if (v.nmteamPlan !== SAVED_PLAN_VERSION)
    throw bad(
      'nmteamPlan',
      `unknown saved-plan version ${JSON.stringify(v.nmteamPlan)} (this nmteam writes ${SAVED_PLAN_VERSION}); make the plan again`,
    );
  if (typeof v.activate !== 'boolean') throw bad('activate', 'expected true or false');
  if (!isObj(v.spec) || !Array.isArray(v.spec.teams) || !Array.isArray(v.spec.skipped))
    throw bad('spec', 'expected the desired state, with teams and skipped');
  if (!isObj(v.plan) || typeof v.plan.basedOn !== 'string' || !Array.isArray(v.plan.steps))
    throw bad('plan', 'expected a plan with basedOn and steps');
  return v as unknown as SavedPlan;
}

/**
 * Pure: the stale-plan rule. `fresh` is the saved desired state planned again
 * over NetworkManager as it is now; undefined when it is the saved plan.
 *
 * @example
 *   staleness(saved, planSpec(saved.spec, await nm.readConnections(), { activate: saved.activate }))
 *   // undefined, or STALE_PLAN: "NetworkManager changed since the plan was made ..."
 */
export function staleness(saved: SavedPlan, fresh: Plan, file: string): ReconcileError | undefined {
  const stale = (why: string): ReconcileError =>
    new ReconcileError(
      'STALE_PLAN',
      `${why}; nothing was applied. Make the plan again (nmteam plan ... --out ${file})`,
      undefined,
      undefined,
      file,
    );
  if (fresh.basedOn !== saved.plan.basedOn) {
    return stale(
      `NetworkManager's team profiles changed since the plan was made (based on ${saved.plan.basedOn}, now ${fresh.basedOn})`,
    );
  }
  if (JSON.stringify(fresh.steps) !== JSON.stringify(saved.plan.steps)) {
    const was = saved.plan.steps.length;
    const now = fresh.steps.length;
    return stale(
      `the same profiles now plan differently (${was} step(s) saved, ${now} now: a team went up or down, or another nmteam version made the plan)`,
    );
  }
  return undefined;
}
