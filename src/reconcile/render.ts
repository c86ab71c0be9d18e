import type { Operation } from 'fast-json-patch';
import { printableLine } from '../util/printable';
import type { FieldChange } from './field-changes';
import { countChanges, type Plan, type Step } from './plan';

/**
 * Pure: Plan → the text a dry run prints. Every changed field shows its old and new value in full
 * (`~ path: old → new`, `+ path: new`, `- path: old`); nothing is cut. A line that would pass WIDE
 * columns puts each value on a line of its own.
 *
 * @example
 *   team0: update slave profile 'team-slave-eth1' (eth1): team-port.config differ
 *       ~ /team-port/prio: 50 → 100
 */

export interface RenderOptions {
  /** ANSI colours: additions green, changes yellow, removals red. The CLI sets it on a TTY without NO_COLOR. */
  color?: boolean;
}

type Tone = 'add' | 'change' | 'remove';
const ANSI: Record<Tone, string> = { add: '\x1b[32m', change: '\x1b[33m', remove: '\x1b[31m' };
const WIDE = 100;

const json = (v: unknown): string => JSON.stringify(v) ?? 'null';

function fieldLines(sign: string, path: string, before: string | undefined, after: string | undefined): string[] {
  const values = [before, after].filter((v) => v !== undefined);
  const one = `${sign} ${path}: ${values.join(' → ')}`;
  if (one.length <= WIDE || values.length === 0) return [one];
  if (before === undefined || after === undefined) return [`${sign} ${path}:`, `      ${values[0]}`];
  return [`${sign} ${path}:`, `      ${before}`, `    → ${after}`];
}

function renderField(f: FieldChange): { tone: Tone; lines: string[] } {
  const before = 'before' in f ? json(f.before) : undefined;
  const after = 'after' in f ? json(f.after) : undefined;
  const tone: Tone = before === undefined ? 'add' : after === undefined ? 'remove' : 'change';
  return { tone, lines: fieldLines(tone === 'add' ? '+' : tone === 'remove' ? '-' : '~', f.path, before, after) };
}

/** A step without `fields` (a plan saved by an older release, a convert plan): the patch, values in full. */
function renderOp(op: Operation): { tone: Tone; lines: string[] } {
  if (op.op === 'add') return { tone: 'add', lines: fieldLines('+', op.path, undefined, json(op.value)) };
  if (op.op === 'remove') return { tone: 'remove', lines: [`- ${op.path}`] };
  if (op.op === 'replace') return { tone: 'change', lines: fieldLines('~', op.path, undefined, json(op.value)) };
  return { tone: 'change', lines: [`  ${op.op} ${op.path}`] };
}

function what(s: Exclude<Step, { op: 'activate' }>): string {
  return `${s.noun ?? (s.kind === 'team' ? 'team profile' : 'slave profile')} '${s.id}' (${s.ifname})`;
}

type Line = { text: string; tone?: Tone };

function renderStep(s: Step): Line[] {
  switch (s.op) {
    case 'create-connection':
      return [{ text: `${s.team}: create ${what(s)}`, tone: 'add' }];
    case 'update-connection': {
      const fields = s.fields ? s.fields.map(renderField) : s.patch.map(renderOp);
      return [
        { text: `${s.team}: update ${what(s)}: ${s.reason}`, tone: 'change' },
        ...fields.flatMap((f) => f.lines.map((l) => ({ text: `    ${l}`, tone: f.tone }))),
      ];
    }
    case 'delete-connection':
      return [{ text: `${s.team}: delete ${what(s)}: ${s.reason}`, tone: 'remove' }];
    case 'activate':
      return [{ text: `${s.team}: activate${s.port ? ` port ${s.port}` : ''} (${s.reason})` }];
    case 'reapply':
      return [{ text: `${s.team}: reapply (${s.reason})` }];
  }
}

export function renderPlan(plan: Plan, opts: RenderOptions = {}): string {
  const steps: Line[] = plan.steps.flatMap(renderStep);
  // Colour goes on after printableLine, which would escape the ANSI sequences.
  const paint = (l: Line): string =>
    opts.color && l.tone ? `${ANSI[l.tone]}${printableLine(l.text)}\x1b[0m` : printableLine(l.text);
  const lines: string[] = [];
  for (const c of plan.conflicts) {
    const where = `[${c.uuid}${c.file ? `, ${c.file}` : ''}]`;
    if (c.blocking)
      lines.push(`${c.team}: BLOCKING conflict: ${c.reason} ${where}`, ...(c.remedy ? [`    fix: ${c.remedy}`] : []));
    else lines.push(`${c.team}: conflict: ${c.reason} ${where}`);
  }
  for (const k of plan.skipped)
    lines.push(`skipped: ${k.path} (type ${k.type}${k.name ? `, ${k.name}` : ''}): ${k.reason ?? 'not a team'}`);
  const n = countChanges(plan);
  const empty = plan.refusals.find((r) => r.code === 'EMPTY_DESIRED_STATE');
  if (empty) lines.push(`REFUSED: ${empty.message}`);
  const blocking = plan.refusals.filter((r) => r.code === 'CONFLICT').length;
  if (blocking > 0)
    lines.push(`REFUSED: ${blocking} blocking conflict(s): nothing will be applied until they are resolved.`);
  if (n.create + n.update + n.delete + n.activate === 0) {
    lines.push(`No changes. ${plan.teams.length} team(s) match the desired state.`);
  } else {
    lines.push(`Plan: ${n.create} to create, ${n.update} to update, ${n.delete} to delete, ${n.activate} to activate.`);
  }
  // One line per item: a line feed inside a profile id or reason must not start a forged line.
  return [...steps.map(paint), ...lines.map(printableLine)].join('\n') + '\n';
}
