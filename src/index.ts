/**
 * nmteam's library API: the pure core (parse → diff → plan → render), the
 * NetworkManager client, the transactional executor and the converters.
 *
 * @example
 *   import { parseSpec, NmClient, planFromSystem, reconcile, renderPlan } from 'nmteam'
 *   const parsed = parseSpec(text, { file: 'teams.yaml' })
 *   if (!parsed.ok) throw new Error(formatErrors(parsed.errors))
 *   const nm = await NmClient.connect()
 *   const plan = await planFromSystem(nm, parsed.spec)
 *   process.stdout.write(renderPlan(plan))
 */
export * from './core/types';
export {
  ReconcileError,
  ReconcileErrors,
  isInputError,
  isRetryable,
  type ErrorCode,
  type SourceLoc,
} from './core/errors';
export { diffTeams, type Diff, type MergedProfile, type Conflict } from './reconcile/diff';
export { planSteps, countChanges, hashObserved, type Plan, type Step, type PlanOptions } from './reconcile/plan';
export { renderPlan } from './reconcile/render';
export { profileView } from './reconcile/normalize';
export { observedTeams } from './reconcile/observe';
export { planFromSystem, planSpec, observeAndPlan, verifySpec } from './transaction/observe';
export {
  reconcile,
  type Desired,
  type Planner,
  type ReconcileOptions,
  type ReconcileOutcome,
} from './transaction/reconcile';
export {
  applyPlan,
  type ApplyOptions,
  type ApplyResult,
  type StepResult,
  type Verification,
} from './transaction/apply';
export { undoJournal } from './transaction/undo';
export { parseSpec, formatErrors, loadSpec, type ParseResult } from './spec';
export { emitSpec, teamEntry } from './spec/emit';
export {
  validateTeamConfig,
  validatePortConfig,
  normalizeTeamConfig,
  normalizePortConfig,
  canonicalJson,
} from './teamd';
export { NmClient } from './bus/client';
export type { NmPort } from './nm/port';
export type { NmConnection, NmSettings, NmDevice } from './nm/types';
export { EXIT } from './core/exit-codes';
export * as convert from './convert';
