/**
 * The fast half of the desired-state reader: js-yaml on the plain subset of
 * YAML that real network configs use.
 *
 * The `yaml` library gives every node a source position, which located
 * errors need, but it is several times slower to load and to run in a cold
 * process than js-yaml (figures: docs/performance.md). parse.ts tries this
 * first and falls back to `yaml` when this declines or validation reports
 * anything (the Reporter contract in schema.ts), so errors are always `yaml`'s.
 *
 * The contract: when fastLoad returns a value, it is exactly what
 * `parseDocument(text, { merge: true, uniqueKeys: true }).toJS()` returns.
 * Where the two libraries can differ, or js-yaml may accept what `yaml`
 * rejects, this declines rather than reason about it.
 */
import { FAILSAFE_SCHEMA, Type, load, type EventType, type State } from 'js-yaml';

/** Returned instead of a document when the fast path will not vouch for its result. */
export const DECLINE: unique symbol = Symbol('decline');

/**
 * Constructs declined wherever they appear (even inside quotes or comments,
 * which only costs the fast path): anything outside printable ASCII and
 * `\n` (tabs, CR, BOM, control and non-ASCII characters: the libraries
 * differ on which are allowed and where); anchors and aliases; tags; block
 * scalars; explicit keys (`?`); merge keys; `__proto__` (own property or
 * prototype); directives; flow collections as keys (`[a]: 1`, which the
 * libraries stringify differently); and `#` right after a token (`'a'#`),
 * which `yaml` rejects and js-yaml reads as a comment.
 */
const UNSAFE = /[^\n\x20-\x7e]|[&*!|>?]|<<|__proto__|^%|[\]}] *:|[^ \n]#/m;
/**
 * Document markers. One `---` before any content is the common header;
 * anything else (`...`, `---#`, a second document) is left to `yaml`.
 */
const MARKER = /^(?:---|\.\.\.).?/gm;
const HEADER = /^(?:(?: *#[^\n]*)?\n)*---[ \n]?$/;
/** `yaml` refuses implicit keys longer than 1024 characters; a short line cannot hold one. */
const MAX_LINE = 1024;

function plainMarkers(text: string): boolean {
  const markers = [...text.matchAll(MARKER)];
  if (markers.length === 0) return true;
  const [m] = markers;
  return markers.length === 1 && HEADER.test(text.slice(0, m.index + m[0].length));
}

function shortLines(text: string): boolean {
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    if (nl - start > MAX_LINE) return false;
    start = nl + 1;
  }
  return text.length - start <= MAX_LINE;
}

/** A block sequence entry with nothing on its line: `-`, maybe a comment. */
const BARE_DASH = /^( *)- *(?:#.*)?$/;
const CONTENT = /^( *)[^ #]/;

/**
 * A bare `-` must be followed by its content, indented deeper. js-yaml reads
 * a bare `-` followed by a less indented `-` as two entries of one list
 * (`[null, x]`); `yaml` rejects it. os-net-config's own samples put entry
 * content on the line after the `-`, so only the odd case is declined.
 */
function bareDashesHaveContent(text: string): boolean {
  let dashIndent: number | undefined;
  for (const line of text.split('\n')) {
    const content = CONTENT.exec(line);
    if (!content) continue;
    if (dashIndent !== undefined && content[1].length <= dashIndent) return false;
    dashIndent = BARE_DASH.exec(line)?.[1].length;
  }
  return dashIndent === undefined;
}

/** True when the text uses only constructs both libraries read alike. */
export function plainSubset(text: string): boolean {
  return !UNSAFE.test(text) && plainMarkers(text) && shortLines(text) && bareDashesHaveContent(text);
}

/**
 * `yaml`'s YAML 1.2 core schema (yaml/dist/schema/core), same tests in the
 * same order, same conversions. js-yaml's own core schema differs (`0b1`,
 * `1_000`, `+.5`…), so it is not used. Implicit types only apply to plain
 * scalars in js-yaml, as in `yaml`; quoted scalars stay strings. Each type
 * needs its own tag: js-yaml keeps only the last type of a tag. Tags are not
 * otherwise used (explicit tags are declined).
 */
const scalar = (tag: string, test: RegExp, construct: (s: string) => unknown): Type =>
  new Type(`tag:nmteam,core:${tag}`, { kind: 'scalar', resolve: (s: string | null) => test.test(s ?? ''), construct });

const CORE_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', /^(?:~|[Nn]ull|NULL)?$/, () => null),
    scalar('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    scalar('int-oct', /^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)),
    scalar('int', /^[-+]?[0-9]+$/, (s) => parseInt(s, 10)),
    scalar('int-hex', /^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)),
    scalar('float-nan', /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (s) =>
      s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
    ),
    scalar('float-exp', /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (s) => parseFloat(s)),
    scalar('float', /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (s) => parseFloat(s)),
  ],
});

/** Blank lines, comment lines and spaces before a node's content. */
const SEPARATION = /(?: *(?:#[^\n]*)?\n)* */y;

/**
 * A js-yaml listener that notes any scalar or flow collection spanning
 * lines. Line folding of multi-line scalars is where the libraries'
 * readings drift, and `yaml` rejects flow collections whose later lines are
 * not indented enough, which js-yaml accepts; configs keep both on one line.
 * A node opens before the separation that precedes it, so that is skipped
 * to find where its content starts.
 */
function multiLineNodes(text: string): { listener: (event: EventType, state: State) => void; seen: () => boolean } {
  const opened: number[] = [];
  let multiLine = false;
  const listener = (event: EventType, state: State): void => {
    if (event === 'open') {
      opened.push(state.position);
      return;
    }
    SEPARATION.lastIndex = opened.pop() ?? 0;
    SEPARATION.test(text);
    const start = SEPARATION.lastIndex;
    const oneLine = state.kind === 'scalar' || text[start] === '[' || text[start] === '{';
    if (oneLine && text.lastIndexOf('\n', state.position - 1) >= start) multiLine = true;
  };
  return { listener, seen: () => multiLine };
}

/** js-yaml writes a null key as "null", `yaml` as "": decline any "null" key rather than tell them apart. */
function hasNullKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasNullKey);
  if (v === null || typeof v !== 'object') return false;
  return Object.prototype.hasOwnProperty.call(v, 'null') || Object.values(v).some(hasNullKey);
}

/** The document as `yaml` would read it, or DECLINE. Never throws. */
export function fastLoad(text: string): unknown {
  if (!plainSubset(text)) return DECLINE;
  const scan = multiLineNodes(text);
  let root: unknown;
  try {
    root = load(text, { schema: CORE_SCHEMA, listener: scan.listener });
  } catch {
    // Syntax errors, duplicate keys, several documents, stack exhaustion: `yaml` says where.
    return DECLINE;
  }
  // js-yaml gives undefined for an empty stream, `yaml` null.
  if (root === undefined || scan.seen() || hasNullKey(root)) return DECLINE;
  return root;
}
