import type { Operation } from 'fast-json-patch';
import { parseTeamdJson, type ProfileKind } from '../nm/settings/team';
import type { NmSettings } from '../nm/types';
import { canonicalJson } from '../teamd';
import { profileView } from './normalize';
import type { JsonValue } from '../core/types';

/**
 * One changed field of a profile as a person reads it: the value NetworkManager holds (`before`, absent for an
 * addition) and the value that will be written (`after`, absent for a removal), in the user's own terms where
 * nmteam normalizes (team.config as written, so `tx_hash: ["l3","l4"]` and not its expansion).
 *
 * @example
 *   { path: '/team/runner/tx_hash', before: ['l3'], after: ['l3', 'l4'] }
 */
export interface FieldChange {
  path: string;
  before?: JsonValue;
  after?: JsonValue;
}

type Json = JsonValue | undefined;

const unescape = (seg: string): string => seg.replace(/~1/g, '/').replace(/~0/g, '~');
const escape = (seg: string): string => seg.replace(/~/g, '~0').replace(/\//g, '~1');

function valueAt(root: Json, segs: readonly string[]): Json {
  let v = root;
  for (const seg of segs) {
    if (v === null || typeof v !== 'object') return undefined;
    if (Array.isArray(v)) v = /^\d+$/.test(seg) ? v[Number(seg)] : undefined;
    else v = Object.prototype.hasOwnProperty.call(v, seg) ? v[seg] : undefined;
  }
  return v;
}

/** The patch path cut before its first array index (in either view): a list is shown whole, old and new. */
function fieldPath(path: string, views: readonly Json[]): string[] {
  const segs = path.split('/').slice(1).map(unescape);
  for (let i = 0; i < segs.length; i++) {
    if (views.some((v) => Array.isArray(valueAt(v, segs.slice(0, i))))) return segs.slice(0, i);
  }
  return segs;
}

/** The view with team.config / team-port.config as written (parsed, nothing dropped or expanded). */
function writtenView(s: NmSettings, kind: ProfileKind): Json {
  const view = profileView(s, kind);
  const key = kind === 'team' ? 'team' : 'team-port';
  const raw = parseTeamdJson(s[key]?.config);
  if (raw !== undefined) view[key] = raw;
  return view;
}

/**
 * Pure: the fields an update changes, old and new, from the normalized patch and both profiles.
 * A value is taken from the profile as written when it is there and differs between the two sides;
 * otherwise from the normalized view the patch was computed over.
 */
export function fieldChanges(
  patch: readonly Operation[],
  current: NmSettings,
  desired: NmSettings,
  kind: ProfileKind,
): FieldChange[] {
  const from = profileView(current, kind);
  const to = profileView(desired, kind);
  const rawFrom = writtenView(current, kind);
  const rawTo = writtenView(desired, kind);
  const seen = new Set<string>();
  const out: FieldChange[] = [];
  for (const op of patch) {
    const segs = fieldPath(op.path, [from, to, rawFrom, rawTo]);
    const path = segs.length ? `/${segs.map(escape).join('/')}` : '';
    if (seen.has(path)) continue;
    seen.add(path);
    let before = valueAt(rawFrom, segs);
    let after = valueAt(rawTo, segs);
    if (before === undefined && after === undefined) [before, after] = [valueAt(from, segs), valueAt(to, segs)];
    else if (before !== undefined && after !== undefined && canonicalJson(before) === canonicalJson(after)) {
      [before, after] = [valueAt(from, segs), valueAt(to, segs)];
    } else {
      before ??= valueAt(from, segs);
      after ??= valueAt(to, segs);
    }
    out.push({ path, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) });
  }
  return out;
}
