/**
 * 500+ malformed or hostile documents against a real NetworkManager: each ends
 * in a clear error (exit 3, every line `file:line:col: path: message`) or a
 * valid plan, never a crash or a stack trace, and none writes anything.
 * And a golden corpus (test/fixtures/bad-input/CASE): the inputs people really
 * write, each with the exact stderr of `nmteam plan` (located, with the fix).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/main';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { type CorpusDoc, conflictDocs, corpus } from '../support/corpus';

let sb: Sandbox;
let tmp: string;
const saved = { bus: process.env.DBUS_SYSTEM_BUS_ADDRESS, state: process.env.NMTEAM_STATE_DIR };

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-corpus-'));
  process.env.DBUS_SYSTEM_BUS_ADDRESS = sb.busAddress;
  process.env.NMTEAM_STATE_DIR = path.join(tmp, 'state');
  // Unowned profiles some documents collide with.
  expect(
    (
      await sb.nmcli([
        'connection',
        'add',
        'type',
        'team',
        'con-name',
        'legacy0',
        'ifname',
        'legacy0',
        'connection.autoconnect',
        'no',
      ])
    ).code,
  ).toBe(0);
  expect(
    (
      await sb.nmcli([
        'connection',
        'add',
        'type',
        'ethernet',
        'con-name',
        'mgmt',
        'ifname',
        'eth3',
        'connection.autoconnect',
        'no',
      ])
    ).code,
  ).toBe(0);
});
afterAll(async () => {
  process.env.DBUS_SYSTEM_BUS_ADDRESS = saved.bus;
  process.env.NMTEAM_STATE_DIR = saved.state;
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function runDoc(
  cmd: string[],
  doc: CorpusDoc,
  i: number,
): Promise<{ code: number; out: string; err: string; file: string }> {
  const file = path.join(tmp, `doc${i}.yaml`);
  fs.writeFileSync(file, doc.text);
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...cmd, file], { out: (s) => void out.push(s), err: (s) => void err.push(s) });
  return { code, out: out.join(''), err: err.join(''), file };
}

/** The outcome contract for one document. */
function checkOutcome(r: { code: number; out: string; err: string; file: string }): string | undefined {
  const all = r.out + r.err;
  if (/internal error|\n\s+at .+:\d+:\d+\)?\n|TypeError|RangeError|Maximum call stack/.test(all))
    return `crash-like output: ${all.slice(0, 300)}`;
  if (r.code === 0)
    return /^(Plan: .*|No changes\. .*)$/m.test(r.out) ? undefined : `exit 0 without a plan: ${r.out.slice(0, 200)}`;
  // A plan apply would refuse (a blocking conflict with a profile already there) says why, and exits 1.
  if (r.code === 1)
    return /^REFUSED: .*/m.test(r.out) && /BLOCKING conflict: .*\n {4}fix: /.test(r.out)
      ? undefined
      : `exit 1 without a refusal: ${all.slice(0, 300)}`;
  if (r.code !== 3) return `exit ${r.code}: ${all.slice(0, 300)}`;
  const lines = r.err.trimEnd().split('\n');
  const summary = lines.pop();
  if (!/^nmteam: \d+ error\(s\) in the desired state; nothing was applied$/.test(summary ?? ''))
    return `no summary line: ${summary}`;
  const prefix = `${r.file}:`;
  for (const l of lines) {
    if (!l.startsWith(prefix) || !/^:\d+:\d+: \S/.test(l.slice(prefix.length - 1)))
      return `error line without file:line:col: ${l.slice(0, 200)}`;
  }
  return lines.length > 0 ? undefined : 'exit 3 without errors';
}

describe('a corpus of hostile documents', () => {
  const docs = corpus();
  const invalidDocs: number[] = [];

  it('has at least 500 documents', () => {
    expect(docs.length).toBeGreaterThanOrEqual(500);
  });

  it('plan: every document ends in a clear error or a valid plan, and nothing is written', async () => {
    const before = await sb.keyfiles();
    const mon = await monitorCalls(sb);
    const problems: string[] = [];
    let errors = 0;
    let plans = 0;
    for (const [i, doc] of docs.entries()) {
      const r = await runDoc(['plan'], doc, i);
      const problem = checkOutcome(r);
      if (problem) problems.push(`${doc.name}: ${problem}`);
      if (r.code === 3) {
        errors++;
        invalidDocs.push(i);
      } else plans++;
    }
    await mon.stop();
    expect(problems).toEqual([]);
    expect(mon.writes()).toEqual([]);
    expect(await sb.keyfiles()).toEqual(before);
    // Both outcomes occur: the corpus is not all one kind.
    expect(errors).toBeGreaterThan(400);
    expect(plans).toBeGreaterThan(5);
  }, 180_000);

  it('apply: invalid documents write nothing at all', async () => {
    const before = await sb.keyfiles();
    const mon = await monitorCalls(sb);
    const subset = invalidDocs.filter((_, k) => k % 3 === 0); // a third through apply keeps the suite quick
    for (const i of subset) expect((await runDoc(['apply', '--no-activate'], docs[i]!, i)).code).toBe(3);
    await mon.stop();
    expect(subset.length).toBeGreaterThan(130);
    expect(mon.writes()).toEqual([]);
    expect(await sb.keyfiles()).toEqual(before);
  }, 180_000);

  it('a team named like an unowned team profile is refused; a member with an unowned profile that does not autoconnect is a note', async () => {
    const [team, member] = conflictDocs();
    const refused = await runDoc(['plan'], team!, 10_000);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(
      /legacy0: BLOCKING conflict: profile 'legacy0' \(team, not owned by nmteam\) is also for the team legacy0/,
    );
    const noted = await runDoc(['plan'], member!, 10_001);
    expect(noted.code).toBe(0);
    expect(noted.out).toMatch(
      /team0: conflict: profile 'mgmt' \(802-3-ethernet, not owned by nmteam\) is also for member eth3; it does not autoconnect, left alone/,
    );
  });
});

/**
 * test/fixtures/bad-input/CASE/input.yaml, run as `nmteam plan [args.txt] input.yaml` against the sandbox:
 * stderr is exactly stderr.txt (the file's path shown as `input.yaml`), exit 3 when it reports errors, else 0.
 * NMTEAM_GOLDEN_WRITE=1 rewrites stderr.txt.
 */
describe('the golden corpus of bad input: exact messages, located, with the fix', () => {
  const DIR = path.resolve(__dirname, '../fixtures/bad-input');
  const cases = fs.readdirSync(DIR).sort();

  it('holds the inputs issue 18 names', () => {
    expect(cases).toEqual(
      expect.arrayContaining([
        'design-spec-double-quoted-json',
        'duplicate-map-key',
        'network-config-missing',
        'network-config-misspelt',
        'bond-option-string-on-team',
        'teamd-json-duplicate-key',
        'boolean-number',
        'boolean-word-inside-teamd-json',
        'boolean-words-in-yaml-accepted',
        'prio-ignored-warning',
        'prio-ignored-strict',
      ]),
    );
  });

  it.each(cases)('%s', async (name) => {
    const dir = path.join(DIR, name);
    const argsFile = path.join(dir, 'args.txt');
    const args = fs.existsSync(argsFile) ? fs.readFileSync(argsFile, 'utf8').trim().split(/\s+/) : [];
    const file = path.join(tmp, `golden-${name}`, 'input.yaml');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(path.join(dir, 'input.yaml'), file);
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['plan', ...args, file], { out: (x) => void out.push(x), err: (x) => void err.push(x) });
    const stderr = err.join('').split(file).join('input.yaml');
    const expected = path.join(dir, 'stderr.txt');
    if (process.env.NMTEAM_GOLDEN_WRITE === '1') fs.writeFileSync(expected, stderr);
    expect(stderr).toBe(fs.readFileSync(expected, 'utf8'));
    expect(code).toBe(/error\(s\) in the desired state; nothing was applied/.test(stderr) ? 3 : 0);
    if (code === 0) expect(out.join('')).toMatch(/^Plan: /m);
  });
});
