/**
 * Desired-state text → Spec. Pure: no I/O, never throws, collects every
 * problem of every entry before returning.
 */
import { ReconcileError, type SourceLoc } from '../core/errors';
import { yaml } from '../util/lazy-yaml';
import type { SkippedEntry, Spec, Team } from '../core/types';
import { DECLINE, fastLoad } from './fast-yaml';
import { duplicateKeys } from './unique-keys';
import { fixNestedQuotes, nestedQuotes } from './quote-hints';
import { Locator, formatPath, type Seg } from './locate';
import { checkRules, type TeamRef } from './rules';
import { TEAM_TYPES, checkKeys, describe, isObj, suggest, type Reporter } from './schema';
import { parseTeam } from './team';
import { MAX_DEPTH, nestingTooDeep } from './depth';
import { nestedTeams } from './nested';

export interface ParseOptions {
  /** Named in every error; also copied to `spec.file`. */
  file?: string;
  /** Alias → interface name (see nics.ts buildNicMap); members named `nicN` resolve through it. */
  nics?: Record<string, string>;
  /**
   * Internal, for tests: false skips the js-yaml fast path (fast-yaml.ts) and
   * always reads with `yaml`. The result is the same either way.
   */
  fastPath?: boolean;
}

/** `warnings`: what was accepted but has no effect (IGNORED_KEY, NESTED_TEAM); located like errors, never blocking. */
export type ParseResult =
  { ok: true; spec: Spec; warnings: ReconcileError[] } | { ok: false; errors: ReconcileError[] };

/** Larger than any sane network config; refusing early bounds memory and time on hostile input. */
export const MAX_SPEC_CHARS = 4 * 1024 * 1024;
/** yaml's guard against "billion laughs" alias expansion. */
const MAX_ALIAS_COUNT = 200;

/** Every os-net-config entry type (objects.object_from_json); these are listed in spec.skipped. */
const ONC_TYPES = [
  'route_table',
  'route_rule',
  'interface',
  'vlan',
  'ovs_bridge',
  'ovs_user_bridge',
  'ovs_bond',
  'ovs_interface',
  'linux_bond',
  'linux_bridge',
  'ivs_bridge',
  'ivs_interface',
  'nfvswitch_bridge',
  'nfvswitch_internal',
  'ovs_tunnel',
  'ovs_patch_port',
  'ib_interface',
  'ib_child_interface',
  'ovs_dpdk_port',
  'ovs_dpdk_bond',
  'vpp_interface',
  'vpp_bond',
  'contrail_vrouter',
  'contrail_vrouter_dpdk',
  'sriov_pf',
  'sriov_vf',
  'linux_tap',
];

/**
 * Parses an os-net-config document; `team`/`linux_team` entries become
 * Teams, other entries are listed in `spec.skipped`.
 *
 * ```yaml
 * network_config:
 *   - type: team
 *     name: team0
 *     use_dhcp: true
 *     bonding_options: '{"runner": {"name": "activebackup"}}'
 *     members:
 *       - {type: interface, name: nic2, primary: true}
 *       - {type: interface, name: nic3}
 *   - {type: interface, name: nic1, use_dhcp: true}   # skipped
 * ```
 * `parseSpec(text, { file: 'net.yaml', nics: { nic2: 'em2', nic3: 'em3' } })`
 */
export function parseSpec(text: string, opts: ParseOptions = {}): ParseResult {
  const source = String(text);
  // Hostile sizes and absurd nesting never reach a YAML library (see depth.ts: running one out of stack can abort the process).
  const refuse = (code: 'SPEC_INVALID' | 'YAML_SYNTAX', message: string, loc?: SourceLoc): ParseResult => ({
    ok: false,
    errors: [new ReconcileError(code, message, undefined, loc, opts.file)],
  });
  if (source.length > MAX_SPEC_CHARS)
    return refuse('SPEC_INVALID', `the document is larger than ${MAX_SPEC_CHARS} characters`);
  const deep = nestingTooDeep(source);
  if (deep) return refuse('YAML_SYNTAX', `the document nests deeper than ${MAX_DEPTH} levels`, deep);
  const fast = opts.fastPath === false ? undefined : parseFast(source, opts);
  if (fast) return { ok: true, spec: fast, warnings: [] };
  const errors: ReconcileError[] = [];
  const warnings: ReconcileError[] = [];
  try {
    const spec = parseInto(source, opts, errors, warnings);
    if (spec && errors.length === 0) return { ok: true, spec, warnings: sortErrors(warnings) };
  } catch (e) {
    const why = e instanceof RangeError ? 'the document is too deeply nested' : `unexpected failure: ${String(e)}`;
    errors.push(new ReconcileError('SPEC_INVALID', why, undefined, { line: 1, col: 1 }, opts.file, { cause: e }));
  }
  return { ok: false, errors: sortErrors(errors) };
}

/**
 * A valid document read with js-yaml, or undefined: the fast path declined
 * the text, or validation reported a problem (the first report abandons it:
 * see the contract on Reporter), or something threw. The full path then reads
 * the text again and says everything, located, exactly as it always has.
 */
function parseFast(text: string, opts: ParseOptions): Spec | undefined {
  const root = fastLoad(text);
  if (root === DECLINE) return undefined;
  const abandon = (): never => {
    throw new Error('abandoned');
  };
  try {
    // A warning needs a location too: the full path reports it.
    return readEntries({ report: abandon, warn: abandon, locInString: abandon }, root, opts);
  } catch {
    return undefined;
  }
}

function parseInto(
  text: string,
  opts: ParseOptions,
  errors: ReconcileError[],
  warnings: ReconcileError[],
): Spec | undefined {
  const file = opts.file;
  const fail = (code: 'YAML_SYNTAX' | 'SPEC_INVALID', message: string, loc?: SourceLoc): undefined => {
    errors.push(new ReconcileError(code, message, undefined, loc, file));
    return undefined;
  };
  // Only now is `yaml` loaded: the fast path declined, or the document has problems to locate.
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  // merge: os-net-config reads with PyYAML, which honours `<<` merge keys.
  // uniqueKeys: the library's check is quadratic in a mapping's keys; duplicateKeyOffsets is the same rule in one pass.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: false });
  // The yaml library turns stack exhaustion on absurd nesting into ordinary errors: say what it means, once.
  const tooDeep = doc.errors.find((e) => /Maximum call stack size exceeded/.test(e.message));
  if (tooDeep) return fail('YAML_SYNTAX', 'the document is nested too deeply', lines.linePos(tooDeep.pos[0]));
  if (doc.errors.length > 0) {
    // A known paste (JSON in double quotes inside double quotes): one error with the fix, then the rest of the
    // document read as if fixed, so its other problems are still reported.
    const quoted = nestedQuotes(text);
    if (quoted.length > 0) {
      for (const q of quoted) fail('YAML_SYNTAX', q.message, q.loc);
      parseInto(fixNestedQuotes(text, quoted), opts, errors, warnings);
      return undefined;
    }
  }
  for (const e of doc.errors) fail('YAML_SYNTAX', e.message, lines.linePos(e.pos[0]));
  const duplicates = doc.errors.length > 0 ? [] : duplicateKeys(doc);
  for (const d of duplicates) {
    const first = lines.linePos(d.first);
    fail(
      'YAML_SYNTAX',
      `Map keys must be unique: '${d.key}' is given twice in this mapping (the first at line ${first.line}, col ${first.col}); keep one`,
      lines.linePos(d.at),
    );
  }
  if (doc.errors.length > 0 || duplicates.length > 0) return undefined;
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof RangeError) throw e;
    // Alias problems (unresolved, too many) surface only here, without a position.
    return fail('YAML_SYNTAX', `cannot expand the document: ${e instanceof Error ? e.message : String(e)}`, {
      line: 1,
      col: 1,
    });
  }
  const where = new Locator(doc, lines, text);
  const r: Reporter = {
    report: (code, path, message, o) =>
      errors.push(
        new ReconcileError(code, message, formatPath(path) || undefined, o?.loc ?? where.loc(path, o?.target), file),
      ),
    warn: (code, path, message, o) =>
      warnings.push(
        new ReconcileError(code, message, formatPath(path) || undefined, o?.loc ?? where.loc(path, o?.target), file),
      ),
    locInString: (path, i) => where.locInString(path, i),
  };
  return readEntries(r, root, opts);
}

function readEntries(r: Reporter, root: unknown, opts: ParseOptions): Spec | undefined {
  if (!isObj(root) || !Object.prototype.hasOwnProperty.call(root, 'network_config')) {
    const keys = isObj(root) ? Object.keys(root) : [];
    const near = keys.find((k) => suggest(k, ['network_config']));
    if (near !== undefined) {
      r.report(
        'SPEC_INVALID',
        [near],
        `the 'network_config' key is missing: found '${near}'${suggest(near, ['network_config'])}`,
        { target: 'key' },
      );
    } else if (isObj(root)) {
      const has = keys.length
        ? `; its keys are ${keys
            .slice(0, 5)
            .map((k) => `'${k}'`)
            .join(', ')}${keys.length > 5 ? ', ...' : ''}`
        : '';
      r.report(
        'SPEC_INVALID',
        [],
        `the 'network_config' key is missing: expected a mapping with a 'network_config' list${has}`,
      );
    } else r.report('SPEC_INVALID', [], `expected a mapping with a 'network_config' list, got ${describe(root)}`);
    return undefined;
  }
  checkKeys(r, root, [], ['network_config']);
  const list = root.network_config;
  if (!Array.isArray(list)) {
    r.report('SPEC_INVALID', ['network_config'], `must be a list of entries, got ${describe(list)}`);
    return undefined;
  }
  const nics = opts.nics ?? {};
  const tables = routeTables(list);
  const teams: Team[] = [];
  const refs: TeamRef[] = [];
  const skipped: SkippedEntry[] = [];
  list.forEach((entry, index) => {
    const path: Seg[] = ['network_config', index];
    const type = isObj(entry) ? entry.type : undefined;
    if (!isObj(entry)) r.report('SPEC_INVALID', path, `each entry must be a mapping, got ${describe(entry)}`);
    else if (typeof type !== 'string') {
      r.report(
        'SPEC_INVALID',
        'type' in entry ? [...path, 'type'] : path,
        `an entry needs a 'type' string, got ${describe(type)}`,
      );
    } else if (TEAM_TYPES.includes(type)) {
      const { team, ref } = parseTeam(r, entry, path, nics, tables);
      teams.push(team);
      refs.push(ref);
    } else if (!ONC_TYPES.includes(type) && suggest(type, TEAM_TYPES)) {
      // Not an os-net-config type but close to ours: a typo would otherwise skip the team silently.
      r.report('SPEC_INVALID', [...path, 'type'], `unknown entry type '${type}'${suggest(type, TEAM_TYPES)}`);
    } else {
      const name = typeof entry.name === 'string' ? entry.name : undefined;
      skipped.push(
        { index, type, ...(name !== undefined ? { name } : {}), path: formatPath(path) },
        ...nestedTeams(r, entry, path, index),
      );
    }
  });
  for (const v of checkRules(refs)) r.report(v.code, v.path, v.message);
  const spec: Spec = { teams, skipped };
  if (opts.file !== undefined) spec.file = opts.file;
  return spec;
}

/** The `route_table` entries' names → numbers (`{type: route_table, name: custom, table_id: 200}`). */
function routeTables(list: unknown[]): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const e of list) {
    if (!isObj(e) || e.type !== 'route_table' || typeof e.name !== 'string') continue;
    const id = typeof e.table_id === 'string' && /^[0-9]{1,10}$/.test(e.table_id) ? Number(e.table_id) : e.table_id;
    if (typeof id === 'number' && Number.isInteger(id) && id > 0 && id <= 4294967295) out[e.name] = id;
  }
  return out;
}

function sortErrors(errors: readonly ReconcileError[]): ReconcileError[] {
  const key = (e: ReconcileError): [string, number, number] => [
    e.file ?? '',
    e.loc?.line ?? Number.MAX_SAFE_INTEGER,
    e.loc?.col ?? 0,
  ];
  return [...errors].sort((a, b) => {
    const [fa, la, ca] = key(a);
    const [fb, lb, cb] = key(b);
    return fa < fb ? -1 : fa > fb ? 1 : la - lb || ca - cb;
  });
}

/**
 * One line per error (`file:line:col: path: message`), sorted by file, line, column.
 *
 * ```
 * net.yaml:7:15: network_config[0].members[1].name: nic9 is not mapped to an interface; known: nic1=em1
 * ```
 */
export function formatErrors(errors: readonly ReconcileError[], kind: 'error' | 'warning' = 'error'): string {
  return sortErrors(errors)
    .map((e) => e.format(kind))
    .join('\n');
}
