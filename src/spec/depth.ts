/**
 * A cheap look at how deeply a YAML text nests, before any YAML library reads it.
 *
 * Both YAML libraries parse nesting by recursion, and absurd nesting used to run
 * `yaml` into stack exhaustion, which it reports as an ordinary error. That is not
 * safe in V8: a regular expression compiled on an almost exhausted stack aborts the
 * whole process ("FATAL ERROR: RegExpCompiler Allocation failed - process out of
 * memory"), which the hostile-input tests hit now and then. So a document that nests
 * deeper than MAX_DEPTH is refused here, with the place where it does. A network
 * config nests about six levels.
 *
 * Counted: block nesting by indentation (and `- ` entries that open on one line),
 * plus flow collections (`[`, `{`) outside quoted scalars, comments and block scalars.
 * An approximation that can only overcount by what stray brackets in plain scalars
 * add, far below the limit in any real file.
 */
import type { SourceLoc } from '../core/errors';

export const MAX_DEPTH = 100;

/** Pure: where `text` first nests deeper than `max` levels (1-based line and column), or undefined. */
export function nestingTooDeep(text: string, max = MAX_DEPTH): SourceLoc | undefined {
  const indents: number[] = []; // block collections open at these indents
  let flow = 0; // open flow collections
  let quote: '"' | "'" | undefined; // inside a quoted scalar (it may span lines)
  let blockScalarAt: number | undefined; // inside a block scalar (| or >) opened at this indent
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    let i = 0;
    if (!quote && flow === 0) {
      while (i < line.length && line[i] === ' ') i++;
      const rest = line.slice(i).trimEnd();
      if (blockScalarAt !== undefined) {
        if (rest === '' || i > blockScalarAt) continue;
        blockScalarAt = undefined;
      }
      if (rest === '' || rest.startsWith('#')) continue;
      while (indents.length && indents[indents.length - 1]! >= i) indents.pop();
      indents.push(i);
      let dashes = 0;
      while (
        line.startsWith('- ', i + dashes * 2) ||
        (line[i + dashes * 2] === '-' && i + dashes * 2 + 1 === line.length)
      )
        dashes++;
      if (indents.length + dashes > max) return { line: n + 1, col: i + 1 };
      if (/(^|[:\-]\s+|^-)[|>][-+0-9]*\s*(#.*)?$/.test(rest)) blockScalarAt = i;
    }
    let raw = i > 0 ? ' ' : ''; // the character just before, '' at the start of the line
    let lastSolid = ''; // the last character on this line that is not white space
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote === '"') {
        if (c === '\\') i++;
        else if (c === '"') quote = undefined;
      } else if (quote === "'") {
        if (c === "'" && line[i + 1] === "'") i++;
        else if (c === "'") quote = undefined;
      } else if (c === '#' && (raw === '' || raw === ' ' || raw === '\t')) {
        break; // a comment
      } else if ((c === '"' || c === "'") && (lastSolid === '' || ':-[{,?'.includes(lastSolid))) {
        quote = c; // a quoted scalar starts only where a scalar can
      } else if (c === '[' || c === '{') {
        if (indents.length + ++flow > max) return { line: n + 1, col: i + 1 };
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      }
      raw = c;
      if (c !== ' ' && c !== '\t') lastSolid = c;
    }
  }
  return undefined;
}
