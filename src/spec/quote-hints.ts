import type { SourceLoc } from '../core/errors';

/**
 * os-net-config's design spec shows the team example as `bonding_options: "{"runner": {"name": "activebackup"}}"`:
 * JSON in double quotes that holds double quotes itself. YAML ends the string at the first inner quote, and the
 * parser then reports several messages that say nothing of the cause. A line of that shape, in a document that
 * does not parse, is reported once, with the line as it should be: the JSON in single quotes.
 *
 * @example
 *   nestedQuotes('    bonding_options: "{"runner": {}}"\n')[0].fixed   // `    bonding_options: '{"runner": {}}'`
 */
export interface NestedQuotes {
  /** 0-based line index. */
  index: number;
  fixed: string;
  loc: SourceLoc;
  message: string;
}

const LINE = /^(\s*(?:-\s+)?bonding_options\s*:\s*)"(\{.*\})"\s*(#.*)?$/;

export function nestedQuotes(text: string): NestedQuotes[] {
  const out: NestedQuotes[] = [];
  text.split('\n').forEach((line, index) => {
    const m = LINE.exec(line.replace(/\r$/, ''));
    // An inner quote not escaped with a backslash: the string as YAML reads it ends there.
    if (!m || !/(^|[^\\])"/.test(m[2]!)) return;
    const fixed = `${m[1]}'${m[2]!.replace(/'/g, "''")}'${m[3] ? ` ${m[3]}` : ''}`;
    out.push({
      index,
      fixed,
      loc: { line: index + 1, col: m[1]!.length + 1 },
      message: `the JSON of bonding_options is in double quotes and holds double quotes itself, so YAML ends the string at the first inner one; put the JSON in single quotes: ${fixed.trim()}`,
    });
  });
  return out;
}

/** The text with each such line replaced by its fixed form (same number of lines). */
export function fixNestedQuotes(text: string, found: readonly NestedQuotes[]): string {
  const lines = text.split('\n');
  for (const f of found) lines[f.index] = f.fixed;
  return lines.join('\n');
}
