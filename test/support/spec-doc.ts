import type { ParseResult } from '../../src/spec/parse';

/** code, path, line, col of every error; `message` only for "did you mean" checks. */
export function errs(
  res: ParseResult,
): { code: string; path?: string; line?: number; col?: number; message: string }[] {
  if (res.ok) throw new Error('expected errors, got a spec');
  return res.errors.map((e) => ({
    code: e.code,
    path: e.path,
    line: e.loc?.line,
    col: e.loc?.col,
    message: e.message,
  }));
}

/**
 * One-team document. Line 1 `network_config:`, 2 `- type: team`, 3 `name:`,
 * extra team keys from line 4 (keys at col 5), then `members:` and one member
 * per line, each flow mapping starting at col 9.
 */
export function team(
  extra: string[] = [],
  members = ['{type: interface, name: em1}', '{type: interface, name: em2}'],
  name = 'team0',
): string {
  return (
    [
      'network_config:',
      '  - type: team',
      `    name: ${name}`,
      ...extra.map((l) => `    ${l}`),
      '    members:',
      ...members.map((m) => `      - ${m}`),
    ].join('\n') + '\n'
  );
}
