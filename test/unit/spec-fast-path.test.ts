/**
 * parseSpec reads valid plain documents with js-yaml (spec/fast-yaml.ts) and
 * everything else with `yaml`. The fast path must be invisible: for every
 * document, the same result as the full path, errors included.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { specYaml } from '../../bench/workload';
import type { ReconcileError } from '../../src/core/errors';
import { DECLINE, fastLoad } from '../../src/spec/fast-yaml';
import { parseSpec, type ParseOptions, type ParseResult } from '../../src/spec/parse';
import { corpus, rng, VALID } from '../support/corpus';

const ROOT = join(__dirname, '..', '..');
const filesIn = (dir: string): { name: string; text: string }[] =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ name: `${dir}/${f}`, text: readFileSync(join(ROOT, dir, f), 'utf8') }));

/** Everything an error says, so a difference in any field shows. */
function errorFields(e: ReconcileError): object {
  return { code: e.code, message: e.message, path: e.path, loc: e.loc, file: e.file, text: e.format() };
}

function expectSameAsFullPath(text: string, opts: ParseOptions = {}): ParseResult {
  const fast = parseSpec(text, opts);
  const full = parseSpec(text, { ...opts, fastPath: false });
  if (fast.ok && full.ok) expect(fast.spec).toStrictEqual(full.spec);
  else if (!fast.ok && !full.ok) {
    expect(fast.errors.map(errorFields)).toEqual(full.errors.map(errorFields));
  } else expect({ fastOk: fast.ok }).toEqual({ fastOk: full.ok });
  return fast;
}

const JUNK = [
  '-\n',
  '\n  - ',
  ' a: b',
  '\n    ',
  '{',
  '}',
  '[',
  ']',
  ':',
  '"',
  "'",
  ',',
  '#',
  ' #',
  '- ',
  ': ',
  '\n',
  ' ',
  '`',
  '---',
  '\\',
  '~',
  'null',
  '"a":b',
  '1e5',
  '0o7',
  '0x1F',
  '+.5',
  'yes',
  '010',
  '1_000',
  '2001-12-14',
  '0b1',
  '-0',
  '1.',
  '.NaN',
  'TRUE',
];

/** Small edits (insert, delete, copy a character) of valid documents: mostly plain, often subtly broken. */
function mutants(bases: readonly string[], count: number, seed: number): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: count }, () => {
    let t = pick(bases);
    for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
      const at = Math.floor(r() * t.length);
      const op = r();
      if (op < 0.5) t = t.slice(0, at) + pick(JUNK) + t.slice(at);
      else if (op < 0.8) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 4));
      else t = t.slice(0, at) + t[Math.floor(r() * t.length)] + t.slice(at + 1);
    }
    return t;
  });
}

const examples = filesIn('examples');
const fixtures = filesIn('test/fixtures/spec');
const NICS = { nic1: 'em1', nic2: 'em2', nic3: 'em3', nic4: 'em4' };

describe('the fast path returns exactly what the full path returns', () => {
  it.each([...examples, ...fixtures])('$name', ({ text }) => {
    expectSameAsFullPath(text, { file: 'f.yaml', nics: NICS });
    expectSameAsFullPath(text);
  });

  it.each([1, 10, 100])('bench workload of %i teams', (n) => {
    expect(expectSameAsFullPath(specYaml(n), { file: 'bench.yaml' }).ok).toBe(true);
  });

  it('the hostile corpus (test/support/corpus.ts)', () => {
    for (const doc of corpus()) expectSameAsFullPath(doc.text, { file: 'h.yaml', nics: { nic1: 'em1' } });
  });

  it('3000 small edits of valid documents', () => {
    const bases = [VALID, specYaml(3), ...examples.map((e) => e.text), ...fixtures.map((f) => f.text)];
    const docs = mutants(bases, 3000, 20261121);
    let fastReads = 0;
    for (const text of docs) {
      if (fastLoad(text) !== DECLINE) fastReads++;
      expectSameAsFullPath(text, { file: 'm.yaml', nics: NICS });
    }
    // The edits must exercise js-yaml, not only its declines.
    expect(fastReads).toBeGreaterThan(docs.length / 4);
  });
});

describe('fastLoad reads like yaml or declines', () => {
  const full = (text: string): unknown => parseDocument(text, { merge: true, uniqueKeys: true }).toJS();

  // Plain scalars the YAML 1.1 / js-yaml core schemas read differently from yaml's 1.2 core schema.
  it.each([
    'yes',
    'no',
    'on',
    'off',
    'y',
    'True',
    'TRUE',
    'tRUE',
    '0o17',
    '010',
    '0x1F',
    '0X1F',
    '0b101',
    '1_000',
    '+1',
    '-0',
    '+0',
    '1.',
    '.5',
    '+.5',
    '1e3',
    '1E+3',
    '1.5e-3',
    '.inf',
    '-.Inf',
    '+.INF',
    '.nan',
    '.NaN',
    'NaN',
    'inf',
    '2001-12-14',
    '2001-12-14t21:59:43.10-05:00',
    '~',
    'null',
    'Null',
    'NULL',
    'nUll',
    '12:30:00',
    '1:20',
    '0.1.2',
    '123456789012345678901234567890',
    '0x',
    '0o8',
    "'yes'",
    '"010"',
    "''",
    '',
  ])('value %p', (v) => {
    const text = `a: ${v}\nb: [${v}]\n`;
    expect(fastLoad(text)).toStrictEqual(full(text));
  });

  it.each(['1', '0o17', '1.0', 'true', '.inf', '"x"', "'1'", '-0'])('key %p', (k) => {
    const text = `${k}: v\n`;
    expect(fastLoad(text)).toStrictEqual(full(text));
  });

  it.each([
    ['a null key', '~: v\n'],
    ['an empty key', ': v\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['duplicate keys, int and string', '1: a\n"1": b\n'],
    ['a merge key', 'a: {x: 1}\nb: {<<: {y: 2}}\n'],
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a block scalar', 'a: |\n  x\n'],
    ['a folded scalar', 'a: >-\n  x\n  y\n'],
    ['a multi-line plain scalar', 'a: x\n  y\n'],
    ['a multi-line quoted scalar', 'a: "x\n  y"\n'],
    ['a multi-line flow collection', 'a: [1,\n  2]\n'],
    ['an explicit key', '? a\n: 1\n'],
    ['a flow sequence as key', '[a]: 1\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['a marker glued to text', '---# c\na: 1\n'],
    ['a comment glued to a token', "a: 'x'# c\n"],
    ['a # right after text, even inside a plain scalar', 'a: x#y\n'],
    ['a tab', 'a:\t1\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['a byte order mark', '\ufeffa: 1\n'],
    ['non-ASCII text', 'a: é\n'],
    ['__proto__', '__proto__: {polluted: 1}\n'],
    ['a bare - before a less indented -', 'm:\n    -\n  - x\n'],
    ['an empty document', ''],
    ['a key longer than yaml allows', `${'k'.repeat(1100)}: 1\n`],
  ])('declines %s', (_name, text) => {
    expect(fastLoad(text)).toBe(DECLINE);
  });

  it.each([
    ['a leading ---', '---\na: 1\n'],
    ['comments before ---', '# c\n\n---\na: 1\n'],
    ['entries on the line after a bare -', 'a:\n  -\n    b: 1\n  -\n    b: 2\n'],
    ['a comment after a value', 'a: 1 # c\n'],
    ['single-quote escapes', "a: 'it''s'\n"],
    ['double-quote escapes', 'a: "\\x41\\u00e9\\t"\n'],
    ['IPv6 in a flow mapping', 'a: {ip: 2001:db8::1/64, b: [::1]}\n'],
  ])('reads %s', (_name, text) => {
    const v = fastLoad(text);
    expect(v).not.toBe(DECLINE);
    expect(v).toStrictEqual(full(text));
  });
});

it('nothing outside src/convert (loaded only by `nmteam convert`) imports yaml eagerly', () => {
  const src = join(ROOT, 'src');
  const eager = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.startsWith('convert/'))
    .filter((f) => /^import (?!type )[^;]*from 'yaml'/m.test(readFileSync(join(src, f), 'utf8')));
  expect(eager).toEqual([]);
});
