/**
 * `convert --apply --into FILE`: the converted teams become entries of an os-net-config desired-state file.
 * Pure (text in, text out): the new entries are inserted after the last item of `network_config` with that
 * list's indentation; every other byte (comments, key order, quoting) stays as it was.
 *
 * @example
 *   addTeamEntries('network_config:\n  # ours\n  - type: team\n    name: team0\n', [teamEntry(bond0Team)])
 *   // → 'network_config:\n  # ours\n  - type: team\n    name: team0\n  - type: team\n    name: bond0\n    ...'
 */
import { Composer, LineCounter, Parser, isMap, isSeq } from 'yaml';
import type { SourceLoc } from '../core/errors';
import type { SpecEntry } from '../spec/emit';
import { yaml } from '../util/lazy-yaml';

export type IntoResult = { ok: true; text: string } | { ok: false; message: string; loc?: SourceLoc };

/** The entries as a block sequence, each line indented by `indent` spaces. */
function block(entries: readonly SpecEntry[], indent: number): string {
  const text = yaml().stringify(entries, { lineWidth: 0 });
  const pad = ' '.repeat(indent);
  return text
    .split('\n')
    .map((l) => (l === '' ? l : pad + l))
    .join('\n');
}

/**
 * Adds `entries` (team entries, each with a `name`) to the `network_config` list of `text`. An empty file (or
 * one with comments only) gets a `network_config` list; a file whose list already has an entry of one of those
 * names is refused, naming it, and so is a file that is not one os-net-config mapping, or whose list is written
 * in flow style with items (`[{...}]`: a block item cannot go there).
 */
export function addTeamEntries(text: string, entries: readonly SpecEntry[]): IntoResult {
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const docs = Array.from(new Composer({ keepSourceTokens: true }).compose(tokens));
  const nl = text === '' || text.endsWith('\n') ? '' : '\n';
  const doc = docs[0];
  if (docs.length === 0 || (docs.length === 1 && doc!.contents === null))
    return { ok: true, text: `${text}${nl}network_config:\n${block(entries, 2)}` };
  if (docs.length !== 1 || !doc) return { ok: false, message: `expected one YAML document, found ${docs.length}` };
  for (const e of doc.errors) return { ok: false, message: e.message, loc: lines.linePos(e.pos[0]) };
  if (!isMap(doc.contents)) return { ok: false, message: "expected a mapping with a 'network_config' list" };
  const list = doc.contents.get('network_config', true);
  if (list === undefined) return { ok: true, text: `${text}${nl}network_config:\n${block(entries, 2)}` };
  if (!isSeq(list))
    return { ok: false, message: 'network_config is not a list', loc: lines.linePos(doc.contents.range?.[0] ?? 0) };
  const names = new Set(entries.map((e) => String(e.name)));
  for (const [i, item] of list.items.entries()) {
    const name = isMap(item) ? item.get('name') : undefined;
    if (typeof name === 'string' && names.has(name)) {
      return {
        ok: false,
        message: `network_config[${i}] already is an entry named ${name}`,
        loc: lines.linePos((item as { range?: [number] }).range?.[0] ?? 0),
      };
    }
  }
  const [start, valueEnd] = list.range!;
  if (list.flow) {
    if (list.items.length > 0)
      return {
        ok: false,
        message:
          'network_config is a flow-style list ([...]); write it in block style (one "- " item per entry) to add entries to it',
        loc: lines.linePos(start),
      };
    // `network_config: []` → a block list under the key, indented two more than the key; the line's comment stays on it.
    const key = doc.contents.items.find((p) => p.value === list)?.key as { range?: [number] } | undefined;
    const eol = text.indexOf('\n', valueEnd);
    const rest = eol < 0 ? `${text.slice(valueEnd)}\n` : text.slice(valueEnd, eol + 1);
    const head = text.slice(0, start).replace(/[ \t]+$/, '');
    return {
      ok: true,
      text: `${head}${rest}${block(entries, lines.linePos(key?.range?.[0] ?? 0).col + 1)}${eol < 0 ? '' : text.slice(eol + 1)}`,
    };
  }
  const indent = lines.linePos(start).col - 1;
  const before = text.slice(0, valueEnd);
  return {
    ok: true,
    text: `${before}${before.endsWith('\n') ? '' : '\n'}${block(entries, indent)}${text.slice(valueEnd)}`,
  };
}
