import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { formatIssue } from '../../src/convert/issues';
import { renderPlan } from '../../src/reconcile/render';
import { printable, printableLine } from '../../src/util/printable';
import { watchLog } from '../../src/watch/log';
import type { TeamReport } from '../../src/watch/reconcile-team';

const EVERY_CONTROL = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i))
  .filter((c) => /[\x00-\x1f\x7f-\x9f]/.test(c))
  .join('');

describe('printable', () => {
  it('escapes C0 (but the line feed and tab of the output itself), DEL and C1', () => {
    expect(printable('team\x1b]0;pwned\x07 \x1b[2J\r\x00\x7f\x85\x9b\n\tend')).toBe(
      'team\\u001b]0;pwned\\u0007 \\u001b[2J\\u000d\\u0000\\u007f\\u0085\\u009b\n\tend',
    );
    expect(printable(EVERY_CONTROL).replace(/[\n\t]/g, '')).toMatch(/^[\x20-\x7e]*$/);
  });
  it('leaves ordinary text, including non-ASCII letters, alone', () => {
    expect(printable("team0: create team profile 'équipe ü' (team0)\n")).toBe(
      "team0: create team profile 'équipe ü' (team0)\n",
    );
  });
  it('keeps JSON output exact: the escaped text parses to the same value', () => {
    const value = { id: `a${EVERY_CONTROL}b`, list: ['\x1b[2J', '\x9b31m'] };
    const text = printable(JSON.stringify(value) + '\n');
    expect(text).toMatch(/^[\x20-\x7e]*\n$/);
    expect(JSON.parse(text)).toEqual(value);
  });
  it('keeps YAML output exact: yaml quotes such strings, where the escape means the same character', () => {
    const value = { network_config: [{ name: `a${EVERY_CONTROL}b` }, { name: 'x\x7fy' }, { name: 'x\x85y' }] };
    const text = printable(stringifyYaml(value, { lineWidth: 0 }));
    expect(text.replace(/[\n\t]/g, '')).toMatch(/^[\x20-\x7e]*$/);
    expect(parseYaml(text)).toEqual(value);
  });
});

describe('one line per item in the text renderers', () => {
  // A profile id NetworkManager accepts: a line feed and a forged line after it, and a terminal title sequence.
  const evil = "hand\nteam0: delete team profile 'team0' (team0)\x1b]0;x\x07";
  const noForgery = (text: string, lines: number): void => {
    expect(text.split('\n').filter(Boolean)).toHaveLength(lines);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(text).toContain('hand\\u000ateam0: delete');
  };

  it('printableLine escapes the line feed too', () => {
    expect(printableLine('a\nb\tc\x1b')).toBe('a\\u000ab\tc\\u001b');
  });
  it('renderPlan', () => {
    const text = renderPlan({
      basedOn: '',
      steps: [],
      skipped: [],
      teams: ['team0'],
      refusals: [],
      conflicts: [
        {
          team: 'team0',
          ifname: 'eth3',
          path: '/p',
          id: evil,
          uuid: 'u',
          type: '802-3-ethernet',
          blocking: false,
          reason: `profile '${evil}' is not owned by nmteam; left alone`,
        },
      ],
    });
    noForgery(text, 2);
  });
  it('the watch text log', () => {
    const out: string[] = [];
    const result = {
      team: 'team0',
      drift: [],
      changed: [],
      conflicts: [`profile '${evil}'`],
      withheld: [],
      written: [],
      errors: [],
      rolledBack: false,
      ms: 1,
      ok: true,
    } as TeamReport;
    watchLog('text', (x) => void out.push(x)).reconcile({ key: 'team0', result, requeue: { kind: 'forget' } });
    noForgery(out.join(''), 1);
  });
  it('convert issues', () => {
    noForgery(
      formatIssue({ code: 'NOT_CARRIED', severity: 'warning', message: `slave ${evil}: x`, path: evil }) + '\n',
      1,
    );
  });
});
