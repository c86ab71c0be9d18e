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
import { CST, Composer, LineCounter, Parser, isMap, isScalar, isSeq, type Document, type YAMLMap } from 'yaml';
import type { SourceLoc } from '../reconcile/errors';
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
  list.items.forEach((item, index) => {
    const type = isMap(item) ? item.get('type') : undefined;
    const wanted = opts.toBond ? TEAM_TYPES.includes(String(type)) : type === 'linux_bond';
    if (!wanted) return;
    const path: Seg[] = ['network_config', index];
    const entry: OncEntry = { node: item as YAMLMap, path, where, issues: new Issues(opts.strict) };
    const ok = opts.toBond ? teamEntryToBond(entry) : bondEntryToTeam(entry);
    issues.addAll(entry.issues.list, opts.file ? { file: opts.file } : {});
    if (ok) converted.push(formatPath(path));
  });
  return { text: tokens.map((t) => CST.stringify(t)).join(''), issues: issues.list, converted };
}

/** A scalar's string value, or undefined. */
export function scalarString(v: unknown): string | undefined {
  return isScalar(v) && typeof v.value === 'string' ? v.value : undefined;
}
