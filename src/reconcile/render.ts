import type { Operation } from 'fast-json-patch';
import { printableLine } from '../util/printable';
import { countChanges, type Plan, type Step } from './plan';

/**
 * Pure: Plan → the text a dry run prints.
 *
 * @example
 *   team0: update slave profile 'team-slave-eth1' (eth1): team-port.config differ
 *       + /team-port/config/prio: 100
 */

const short = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? 'null' : s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

function renderOp(op: Operation): string {
  switch (op.op) {
    case 'add':
      return `+ ${op.path}: ${short(op.value)}`;
    case 'remove':
      return `- ${op.path}`;
    case 'replace':
      return `~ ${op.path}: ${short(op.value)}`;
    default:
      return `  ${op.op} ${op.path}`;
  }
}

function what(s: Exclude<Step, { op: 'activate' }>): string {
  return `${s.noun ?? (s.kind === 'team' ? 'team profile' : 'slave profile')} '${s.id}' (${s.ifname})`;
}

function renderStep(s: Step): string[] {
  switch (s.op) {
    case 'create-connection':
      return [`${s.team}: create ${what(s)}`];
    case 'update-connection':
      return [`${s.team}: update ${what(s)}: ${s.reason}`, ...s.patch.map((op) => `    ${renderOp(op)}`)];
    case 'delete-connection':
      return [`${s.team}: delete ${what(s)}: ${s.reason}`];
    case 'activate':
      return [`${s.team}: activate${s.port ? ` port ${s.port}` : ''} (${s.reason})`];
    case 'reapply':
      return [`${s.team}: reapply (${s.reason})`];
  }
}

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  for (const s of plan.steps) lines.push(...renderStep(s));
  for (const c of plan.conflicts) {
    const where = `[${c.uuid}${c.file ? `, ${c.file}` : ''}]`;
    if (c.blocking) lines.push(`${c.team}: BLOCKING conflict: ${c.reason} ${where}`, ...(c.remedy ? [`    fix: ${c.remedy}`] : []));
    else lines.push(`${c.team}: conflict: ${c.reason} ${where}`);
  }
  for (const k of plan.skipped) lines.push(`skipped: ${k.path} (type ${k.type}${k.name ? `, ${k.name}` : ''}): ${k.reason ?? 'not a team'}`);
  const n = countChanges(plan);
  const empty = plan.refusals.find((r) => r.code === 'EMPTY_DESIRED_STATE');
  if (empty) lines.push(`REFUSED: ${empty.message}`);
  const blocking = plan.refusals.filter((r) => r.code === 'CONFLICT').length;
  if (blocking > 0) lines.push(`REFUSED: ${blocking} blocking conflict(s): nothing will be applied until they are resolved.`);
  if (n.create + n.update + n.delete + n.activate === 0) {
    lines.push(`No changes. ${plan.teams.length} team(s) match the desired state.`);
  } else {
    lines.push(`Plan: ${n.create} to create, ${n.update} to update, ${n.delete} to delete, ${n.activate} to activate.`);
  }
  // One line per item: a line feed inside a profile id or reason must not start a forged line.
  return lines.map(printableLine).join('\n') + '\n';
}
