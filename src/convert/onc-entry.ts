/**
 * One os-net-config entry, converted in place: linux_bond → team and back.
 * Everything is computed first; the CST is edited only when the entry has
 * no error, so a failed entry stays exactly as written. Pure.
 */
import { CST, isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { TeamdJson } from '../core/types';
import { PORT_OPTION_KEYS, oncBool } from '../spec/schema';
import type { Locator, Seg } from '../spec/locate';
import { formatPath } from '../spec/locate';
import { bondToTeam } from './bond-to-team';
import type { ConvertIssue, Issues } from './issues';
import { teamToBond } from './team-to-bond';

export interface OncEntry {
  node: YAMLMap;
  path: Seg[];
  where: Locator;
  issues: Issues;
}

interface Member {
  name: string;
  primary: boolean;
  node: YAMLMap;
  /** teamd port options written on the member (team entries). */
  config: TeamdJson;
}

/** Where `option=` starts in a bonding options string, or -1. */
function optionIndex(text: string, option: string): number {
  const m = new RegExp(`(^|[\\s,])${option.replace(/\W/g, '\\$&')}(=|$|[\\s,])`).exec(text);
  return m ? m.index + m[1]!.length : -1;
}

/** Adds a conversion's issues at the entry's bonding_options, pointing inside the string where the option is. */
function report(e: OncEntry, at: Seg[], found: readonly ConvertIssue[], optsText?: string): void {
  for (const i of found) {
    const idx = optsText !== undefined && i.option ? optionIndex(optsText, i.option) : -1;
    const loc = idx >= 0 ? e.where.locInString(at, idx) : e.where.loc(at);
    e.issues.add(i.code, i.message, { ...(i.option ? { option: i.option } : {}), path: formatPath(at), loc });
  }
}

function readMembers(e: OncEntry, withPortKeys: boolean): Member[] | undefined {
  const at = [...e.path, 'members'];
  const list = e.node.get('members', true);
  if (list === undefined) return [];
  if (!isSeq(list)) {
    e.issues.add('SOURCE_INVALID', 'members must be a list', { path: formatPath(at), loc: e.where.loc(at) });
    return undefined;
  }
  const out: Member[] = [];
  list.items.forEach((m, j) => {
    const mat = [...at, j];
    const type = isMap(m) ? m.get('type') : undefined;
    const name = isMap(m) ? m.get('name') : undefined;
    if (!isMap(m) || type !== 'interface' || typeof name !== 'string') {
      const why = `members must be '{type: interface, name: ...}' to become team ports, got type ${JSON.stringify(type)}`;
      e.issues.add('SOURCE_INVALID', why, { path: formatPath(mat), loc: e.where.loc(mat) });
      return;
    }
    const p = m.get('primary');
    const config: TeamdJson = {};
    if (withPortKeys)
      for (const k of PORT_OPTION_KEYS)
        if (m.has(k)) config[k] = (m.get(k, true) as { toJSON(): TeamdJson[string] }).toJSON();
    out.push({ name, primary: oncBool(p) === true, node: m, config });
  });
  return e.issues.errors.length ? undefined : out;
}

/** linux_bond → team: bonding_options becomes teamd JSON; members and primary: true stay. */
export function bondEntryToTeam(e: OncEntry): boolean {
  const members = readMembers(e, false);
  const at = [...e.path, 'bonding_options'];
  const optsNode = e.node.get('bonding_options', true);
  const optsText =
    optsNode === undefined ? '' : isScalar(optsNode) && typeof optsNode.value === 'string' ? optsNode.value : undefined;
  if (optsText === undefined)
    e.issues.add('SOURCE_INVALID', 'bonding_options must be a string like "mode=active-backup miimon=100"', {
      path: formatPath(at),
      loc: e.where.loc(at),
    });
  if (!members || optsText === undefined) return false;
  const r = bondToTeam(optsText, { ports: members.map((m) => m.name), strict: e.issues.strict });
  report(e, at, r.issues, optsText);
  const flagged = members.filter((m) => m.primary);
  // Contradictions in the entry itself: errors, not a guess.
  if (flagged.length > 1)
    e.issues.add('SOURCE_INVALID', `${flagged.map((m) => m.name).join(' and ')} are both primary: true`, {
      path: formatPath(e.path),
    });
  if (r.primary && flagged[0] && flagged[0].name !== r.primary) {
    e.issues.add(
      'SOURCE_INVALID',
      `bonding_options says primary=${r.primary} but member ${flagged[0].name} has primary: true`,
      { path: formatPath(at), loc: e.where.loc(at) },
    );
  }
  if (flagged[0] && !r.primary && r.config.runner && (r.config.runner as TeamdJson).name === 'activebackup') {
    // On a linux_bond, os-net-config's primary: true only picks the bond's MAC; on a team it also makes the port preferred.
    e.issues.add(
      'APPROXIMATED',
      `member ${flagged[0].name}'s primary: true will also make it the preferred port (prio 100) of the team`,
      { option: 'primary', path: formatPath(e.path) },
    );
  }
  if (e.issues.errors.length > 0) return false;
  const ports = structuredClone(r.ports);
  if (r.primary && flagged[0]) delete ports[r.primary]!.prio; // the member's primary: true says it already
  for (const k of Object.keys(ports)) if (Object.keys(ports[k]!).length === 0) delete ports[k];
  const json: TeamdJson = { ...r.config, ...(Object.keys(ports).length > 0 ? { ports } : {}) };
  CST.setScalarValue(srcToken(e.node.get('type', true)), 'team');
  if (optsNode !== undefined) CST.setScalarValue(srcToken(optsNode), JSON.stringify(json), { type: 'QUOTE_SINGLE' });
  return true;
}

/** team / linux_team → linux_bond: the teamd JSON (and members' port options) becomes a bonding options string. */
export function teamEntryToBond(e: OncEntry): boolean {
  const members = readMembers(e, true);
  const at = [...e.path, 'bonding_options'];
  const config = readTeamJson(e, at);
  if (!members || !config) return false;
  const ports = structuredClone((config.ports ?? {}) as Record<string, TeamdJson>);
  for (const m of members) {
    ports[m.name] = { ...(ports[m.name] ?? {}), ...m.config };
    if (m.primary && ports[m.name]!.prio === undefined) ports[m.name]!.prio = 100;
  }
  const { ports: _p, ...team } = config;
  const b = teamToBond(team, ports, { members: members.map((m) => m.name), strict: e.issues.strict });
  report(e, at, b.issues);
  if (b.hwaddr)
    e.issues.add('NOT_CARRIED', `hwaddr ${b.hwaddr}: a linux_bond takes its MAC from the member marked primary: true`, {
      option: 'hwaddr',
      path: formatPath(at),
    });
  const optsNode = e.node.get('bonding_options', true);
  const insert = optsNode === undefined ? insertAfterName(e) : undefined;
  if (optsNode === undefined && !insert) {
    e.issues.add(
      'SOURCE_INVALID',
      `cannot add bonding_options to a flow-style entry; write bonding_options: "${b.text}"`,
      { path: formatPath(e.path) },
    );
  }
  if (e.issues.errors.length > 0) return false;
  CST.setScalarValue(srcToken(e.node.get('type', true)), 'linux_bond');
  if (optsNode !== undefined) CST.setScalarValue(srcToken(optsNode), b.text, { type: 'QUOTE_DOUBLE' });
  insert?.(b.text);
  for (const m of members) removeKeys(e, m, Object.keys(m.config));
  return true;
}

function readTeamJson(e: OncEntry, at: Seg[]): TeamdJson | undefined {
  const node = e.node.get('bonding_options', true);
  if (node === undefined) return {};
  const bad = (why: string): undefined => {
    e.issues.add('SOURCE_INVALID', why, { path: formatPath(at), loc: e.where.loc(at) });
    return undefined;
  };
  let v: unknown = (node as { toJSON(): unknown }).toJSON();
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch (err) {
      return bad(`bonding_options is not valid JSON: ${(err as Error).message}`);
    }
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as TeamdJson)
    : bad('bonding_options must be a teamd JSON object');
}

function srcToken(node: unknown): CST.Token {
  const t = (node as { srcToken?: CST.Token }).srcToken;
  if (!t) throw new Error('yaml node without its source token');
  return t;
}

/**
 * A function that adds `bonding_options: "..."` after the entry's name line, copying
 * that line's layout; undefined when the entry is not a block map with a name line.
 */
function insertAfterName(e: OncEntry): ((text: string) => void) | undefined {
  const map = srcToken(e.node);
  if (map.type !== 'block-map') return undefined;
  const i = map.items.findIndex(
    (it) => it.key && CST.isScalar(it.key) && CST.resolveAsScalar(it.key)?.value === 'name',
  );
  const model = map.items[i];
  if (!model?.key || !model.value || !CST.isScalar(model.value)) return undefined;
  return (text) => {
    const item = structuredClone(model) as typeof model & { key: CST.FlowScalar; value: CST.FlowScalar };
    item.value.end = (item.value.end ?? []).filter((t) => t.type === 'newline'); // not the name line's comment
    CST.setScalarValue(item.key, 'bonding_options');
    CST.setScalarValue(item.value, text, { type: 'QUOTE_DOUBLE' });
    map.items.splice(i + 1, 0, item);
  };
}

/** Drops teamd port options from a member once they are converted (a linux_bond member cannot hold them). */
function removeKeys(e: OncEntry, m: Member, keys: string[]): void {
  const tok = srcToken(m.node);
  if (tok.type !== 'block-map' && tok.type !== 'flow-collection') return;
  for (const key of keys) {
    const i = tok.items.findIndex((it) => it.key && CST.isScalar(it.key) && CST.resolveAsScalar(it.key)?.value === key);
    // In a flow map the first item has no leading comma to take along; leave it (and say so).
    if (i > 0 || (i === 0 && tok.type === 'block-map')) tok.items.splice(i, 1);
    else if (i === 0)
      e.issues.add('NOT_CARRIED', `member ${m.name}: remove '${key}' by hand; a linux_bond member cannot hold it`, {
        option: key,
      });
  }
}
