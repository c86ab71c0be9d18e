/**
 * os-net-config files: `linux_bond` entries ↔ `team` entries, editing the
 * file in place. Pure (text in, text out).
 *
 * yaml's Document.toString() re-serializes the whole file (indentation, flow
 * padding, folding of long lines), so the edits go to the lossless CST
 * instead: the Document locates nodes (keepSourceTokens), CST.setScalarValue
 * rewrites just those scalars, and CST.stringify reproduces every other byte.
 *
 * @example
 *   - type: linux_bond            →   - type: team
 *     bonding_options: "mode=1"   →     bonding_options: '{"runner":{"name":"activebackup"}}'
 */
import {
  CST,
  Composer,
  LineCounter,
  Parser,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import type { SourceLoc } from '../core/errors';
import { Locator, formatPath, type Seg } from '../spec/locate';
import { Issues, type ConvertIssue } from './issues';
import { bondEntryToTeam, teamEntryToBond, type OncEntry } from './onc-entry';

export interface OncOptions {
  strict?: boolean;
  /** team/linux_team → linux_bond instead of linux_bond → team. */
  toBond?: boolean;
  /** Named in every issue. */
  file?: string;
}

export interface OncResult {
  text: string;
  issues: ConvertIssue[];
  /** Paths of the entries that were converted, e.g. `network_config[1]`. */
  converted: string[];
}

const TEAM_TYPES = ['team', 'linux_team'];

/**
 * Converts every bond (or, with toBond, every team) entry of an os-net-config
 * document; everything else stays byte for byte. An entry with an error is
 * left as it was; the issues say why.
 */
export function convertOsNetConfig(text: string, opts: OncOptions = {}): OncResult {
  const issues = new Issues(opts.strict);
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const docs = Array.from(new Composer({ keepSourceTokens: true }).compose(tokens));
  const fail = (message: string, loc?: SourceLoc): OncResult => {
    issues.add('SOURCE_INVALID', message, { ...(opts.file ? { file: opts.file } : {}), ...(loc ? { loc } : {}) });
    return { text, issues: issues.list, converted: [] };
  };
  const doc = docs[0];
  if (docs.length !== 1 || !doc) return fail(`expected one YAML document, found ${docs.length}`);
  for (const e of doc.errors) return fail(e.message, lines.linePos(e.pos[0]));
  const list = isMap(doc.contents) ? doc.contents.get('network_config', true) : undefined;
  if (!isSeq(list)) return fail("expected a mapping with a 'network_config' list");
  const where = new Locator(doc as Document, lines, text);
  const converted: string[] = [];
  const convertOne = (item: YAMLMap, path: Seg[], within?: YAMLMap): void => {
    const what = `${String(item.get('type'))} ${String(item.get('name') ?? '(no name)')}`;
    const entry: OncEntry = { node: item, path, where, issues: new Issues(opts.strict) };
    const ok = opts.toBond ? teamEntryToBond(entry) : bondEntryToTeam(entry);
    issues.addAll(entry.issues.list, opts.file ? { file: opts.file } : {});
    if (!ok) return;
    converted.push(formatPath(path));
    if (!within) return;
    const outer = `${String(within.get('type'))}${within.get('name') !== undefined ? ` ${String(within.get('name'))}` : ''}`;
    issues.add(
      'NESTED',
      `${what} found nested in ${outer}'s members: converted in place (a nested team is os-net-config's to configure: nmteam manages top-level teams only)`,
      {
        ...(opts.file ? { file: opts.file } : {}),
        path: formatPath(path),
        loc: where.loc(path),
      },
    );
  };
  walkEntries(list, ['network_config'], undefined, 0, (item, path, within) => {
    const type = item.get('type');
    const wanted = opts.toBond ? TEAM_TYPES.includes(String(type)) : type === 'linux_bond';
    if (wanted) convertOne(item, path, within);
    return wanted;
  });
  return { text: tokens.map((t) => CST.stringify(t)).join(''), issues: issues.list, converted };
}

/** os-net-config nests two or three levels (ovs_bridge → ovs_bond → interface); this bounds hostile input. */
const MAX_NESTING = 16;

/**
 * Visits every mapping of `list` and, unless `visit` took it (returned true), the mappings of its
 * `members`, at any depth: a linux_bond is converted wherever it stands (TripleO puts one in an ovs_bridge).
 */
function walkEntries(
  list: YAMLSeq,
  at: Seg[],
  within: YAMLMap | undefined,
  depth: number,
  visit: (item: YAMLMap, path: Seg[], within: YAMLMap | undefined) => boolean,
): void {
  if (depth > MAX_NESTING) return;
  list.items.forEach((item, i) => {
    if (!isMap(item)) return;
    const path = [...at, i];
    if (visit(item as YAMLMap, path, within)) return;
    const members = item.get('members', true);
    if (isSeq(members)) walkEntries(members as YAMLSeq, [...path, 'members'], item as YAMLMap, depth + 1, visit);
  });
}

/** A scalar's string value, or undefined. */
export function scalarString(v: unknown): string | undefined {
  return isScalar(v) && typeof v.value === 'string' ? v.value : undefined;
}
