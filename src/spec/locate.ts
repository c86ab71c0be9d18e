/**
 * Document paths and where they are in the source text.
 *
 * Validation works on plain JS values (yaml's `toJS`), so every error only
 * knows its path (`['network_config', 0, 'members', 2, 'name']`). This module
 * walks the yaml node tree along that path to find the line and column, so
 * the validators never have to carry nodes around.
 */
import type { Document, LineCounter, Node, Scalar, YAMLMap } from 'yaml';
import type { SourceLoc } from '../core/errors';
import { yaml } from '../util/lazy-yaml';

/** One step of a document path: a mapping key or a sequence index. */
export type Seg = string | number;

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * `['network_config', 0, 'members', 2, 'name']` → `network_config[0].members[2].name`.
 * Keys that are not identifiers (`eth1.10`) are quoted: `ports["eth1.10"]`.
 */
export function formatPath(path: readonly Seg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Where to point for a mapping entry: its key (unknown keys) or its value (bad values). */
export type Target = 'key' | 'value';

/** Finds source positions of document paths in one parsed document. */
export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    /** The text the document was parsed from (yaml does not keep it). */
    private readonly text: string,
  ) {}

  /**
   * Line/col of `path`; a path that leaves the node tree (e.g. into a JSON
   * string) stops at the deepest node found, and an empty document is 1:1.
   */
  loc(path: readonly Seg[], target: Target = 'value'): SourceLoc {
    return this.at(this.offset(path, target) ?? 0);
  }

  /**
   * Line/col of character `index` of the string value at `path`. Exact for
   * single-line plain and quoted scalars (escapes accounted for); block
   * scalars and multi-line flow scalars fold lines, so those fall back to the
   * scalar's start.
   */
  locInString(path: readonly Seg[], index: number): SourceLoc {
    const node = this.node(path);
    if (!yaml().isScalar(node) || !node.range) return this.loc(path);
    const [start, end] = node.range;
    const raw = this.text.slice(start, end);
    const rel = raw.includes('\n') ? 0 : sourceIndex(raw, node.type, index);
    return this.at(start + Math.min(rel, Math.max(0, end - start - 1)));
  }

  private at(offset: number): SourceLoc {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  private offset(path: readonly Seg[], target: Target): number | undefined {
    let node: unknown = this.doc.contents;
    let found = rangeStart(node);
    for (let i = 0; i < path.length; i++) {
      node = this.deref(node);
      const step = this.child(node, path[i]);
      if (!step) break;
      const last = i === path.length - 1;
      const pick = last && target === 'key' ? step.key : (step.value ?? step.key);
      found = rangeStart(pick) ?? found;
      node = step.value;
    }
    return found;
  }

  private node(path: readonly Seg[]): unknown {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      const step = this.child(this.deref(node), seg);
      if (!step) return undefined;
      node = step.value;
    }
    return this.deref(node);
  }

  private deref(node: unknown): unknown {
    return yaml().isAlias(node) ? node.resolve(this.doc) : node;
  }

  private child(node: unknown, seg: Seg): { key?: unknown; value: unknown } | undefined {
    const { isMap, isSeq } = yaml();
    if (isSeq(node) && typeof seg === 'number') {
      return seg < node.items.length ? { value: node.items[seg] } : undefined;
    }
    if (!isMap(node)) return undefined;
    const { byKey, merges } = this.index(node);
    const hit = byKey.get(String(seg));
    if (hit) return hit;
    // A key merged in with `<<: *anchor` lives in the anchored map.
    for (const merged of merges) {
      const found = this.child(this.deref(merged), seg);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * A mapping's pairs by key text (the first pair of a key wins, as a scan in order would find it) and its `<<`
   * values, built once per mapping: a document with an error on each of its N keys is located in O(N), not N².
   */
  private readonly indexes = new WeakMap<object, MapIndex>();
  private index(map: YAMLMap): MapIndex {
    let index = this.indexes.get(map);
    if (index) return index;
    const { isScalar } = yaml();
    index = { byKey: new Map(), merges: [] };
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (key !== null && typeof key !== 'object' && !index.byKey.has(String(key)))
        index.byKey.set(String(key), { key: pair.key, value: pair.value });
      if (isScalar(pair.key) && pair.key.value === '<<') index.merges.push(pair.value);
    }
    this.indexes.set(map, index);
    return index;
  }
}

interface MapIndex {
  byKey: Map<string, { key: unknown; value: unknown }>;
  merges: unknown[];
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Offset in the raw scalar source of character `index` of its value. */
function sourceIndex(raw: string, type: Scalar['type'], index: number): number {
  if (type === 'QUOTE_SINGLE') return walk(raw, index, (i) => (raw.startsWith("''", i) ? 2 : 1));
  if (type === 'QUOTE_DOUBLE') return walk(raw, index, (i) => (raw[i] === '\\' ? escapeLength(raw[i + 1]) : 1));
  return index;
}

/** Steps over the opening quote, then one value character at a time. */
function walk(raw: string, index: number, step: (i: number) => number): number {
  let i = 1;
  for (let v = 0; v < index && i < raw.length; v++) i += step(i);
  return i;
}

function escapeLength(c: string | undefined): number {
  if (c === 'x') return 4;
  if (c === 'u') return 6;
  if (c === 'U') return 10;
  return 2;
}

/**
 * Offset of the first syntax error in `text`, which JSON.parse rejected.
 * V8 only sometimes says "at position N", so this re-scans the text with a
 * small JSON grammar check. Depth is capped so hostile input cannot overflow
 * the stack.
 */
export function jsonErrorOffset(text: string): number {
  const scan = new JsonScan(text);
  if (scan.value(0)) scan.ws();
  return Math.min(scan.i, text.length);
}

/** Recursive-descent JSON recognizer; every method leaves `i` at the first bad character on failure. */
class JsonScan {
  i = 0;
  constructor(private readonly t: string) {}

  ws(): void {
    while (this.i < this.t.length && ' \t\n\r'.includes(this.t[this.i])) this.i++;
  }

  value(depth: number): boolean {
    this.ws();
    const c = this.t[this.i];
    if (depth > 512) return false;
    if (c === '{') return this.list('}', () => this.member(depth));
    if (c === '[') return this.list(']', () => this.value(depth + 1));
    if (c === '"') return this.str();
    const word = ['true', 'false', 'null'].find((w) => w[0] === c);
    if (word) return this.literal(word);
    const num = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    num.lastIndex = this.i;
    const m = num.exec(this.t);
    if (!m) {
      if (this.t[this.i] === '-') this.i++; // V8 points after a lone minus sign
      return false;
    }
    this.i += m[0].length;
    return true;
  }

  private member(depth: number): boolean {
    if (this.t[this.i] !== '"' || !this.str()) return false;
    this.ws();
    if (this.t[this.i] !== ':') return false;
    this.i++;
    return this.value(depth + 1);
  }

  private list(close: string, item: () => boolean): boolean {
    this.i++;
    this.ws();
    for (let first = true; ; first = false) {
      if (first && this.t[this.i] === close) break;
      if (!item()) return false;
      this.ws();
      if (this.t[this.i] === close) break;
      if (this.t[this.i] !== ',') return false;
      this.i++;
      this.ws();
    }
    this.i++;
    return true;
  }

  private literal(word: string): boolean {
    for (const w of word) {
      if (this.t[this.i] !== w) return false;
      this.i++;
    }
    return true;
  }

  private str(): boolean {
    const t = this.t;
    for (this.i++; this.i < t.length; this.i++) {
      const c = t[this.i];
      if (c === '"') {
        this.i++;
        return true;
      }
      if (c < ' ') return false;
      if (c !== '\\') continue;
      this.i++;
      if (t[this.i] === 'u') {
        for (let k = 0; k < 4; k++) if (!/[0-9a-fA-F]/.test(t[++this.i] ?? '')) return false;
      } else if (t[this.i] === undefined || !'"\\/bfnrt'.includes(t[this.i])) return false;
    }
    return false;
  }
}
