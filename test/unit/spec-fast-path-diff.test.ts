/**
 * Differential test of the two YAML readers behind parseSpec: js-yaml on the plain subset (spec/fast-yaml.ts, whose
 * validation aborts by making Reporter.report throw) and `yaml` with located errors. A few thousand generated
 * documents (test/support/spec-gen.ts, fixed seed), valid and spoilt, go through both; the results must be
 * identical: the same Spec, or the same errors and warnings (code, message, path, file, line:col). And wherever
 * fastLoad vouches for a document, its value must be the one `yaml` reads, with no error from `yaml`.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import type { ReconcileError } from '../../src/core/errors';
import { DECLINE, fastLoad } from '../../src/spec/fast-yaml';
import { parseSpec, type ParseResult } from '../../src/spec/parse';
import { SpecGen } from '../support/spec-gen';

const SEED = 20261204;
const DOCS = 2000;
const OPTS = { file: 'gen.yaml', nics: { nic1: 'em1', nic2: 'em2', nic3: 'em3', nic4: 'em4' } };

const fields = (e: ReconcileError): object => ({
  code: e.code,
  message: e.message,
  path: e.path,
  loc: e.loc,
  file: e.file,
});
const view = (r: ParseResult): object =>
  r.ok ? { ok: true, spec: r.spec, warnings: r.warnings.map(fields) } : { ok: false, errors: r.errors.map(fields) };

describe(`${DOCS} generated documents (seed ${SEED})`, () => {
  const gen = new SpecGen(SEED);
  const docs = Array.from({ length: DOCS }, (_, i) => gen.next(i % 10 === 0 ? 0 : undefined));
  const tally = { fastRead: 0, fastValid: 0, valid: 0, invalid: 0, warned: 0 };
  const traits = new Map<string, number>();

  it('read the same by both paths', () => {
    const differ: { i: number; traits: string[]; text: string; fast: object; full: object }[] = [];
    docs.forEach((doc, i) => {
      const fast = parseSpec(doc.text, OPTS);
      const full = parseSpec(doc.text, { ...OPTS, fastPath: false });
      if (full.ok && fastLoad(doc.text) !== DECLINE) tally.fastValid++;
      const [a, b] = [view(fast), view(full)];
      if (JSON.stringify(a) !== JSON.stringify(b))
        differ.push({ i, traits: doc.traits, text: doc.text, fast: a, full: b });
      if (full.ok) tally.valid++;
      else tally.invalid++;
      if (full.ok && full.warnings.length > 0) tally.warned++;
      for (const t of doc.traits) traits.set(t, (traits.get(t) ?? 0) + 1);
    });
    // The first few differences in full, so a failure says what to fix.
    expect(differ.slice(0, 3)).toEqual([]);
  });

  it('fastLoad vouches only for what yaml reads alike, without errors', () => {
    const wrong: { i: number; text: string }[] = [];
    docs.forEach((doc, i) => {
      const fast = fastLoad(doc.text);
      if (fast === DECLINE) return;
      tally.fastRead++;
      const full = parseDocument(doc.text, { merge: true, uniqueKeys: true });
      if (full.errors.length > 0 || !isDeepStrictEqual(fast, full.toJS())) wrong.push({ i, text: doc.text });
    });
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it('cover both paths, valid and invalid documents, and every kind of trouble (counted by the tests above)', () => {
    // The generator must exercise each side, not only the declines or only the errors.
    expect(tally.valid).toBeGreaterThan(DOCS / 5);
    expect(tally.invalid).toBeGreaterThan(DOCS / 5);
    expect(tally.fastValid).toBeGreaterThan(DOCS / 10);
    expect(tally.warned).toBeGreaterThan(10);
    const expected = [
      'comments',
      'flow collections',
      'quoted scalars',
      'anchors and aliases',
      'merge keys',
      'block scalars',
      'duplicate key',
      'unknown key',
      'wrong type',
      'bad teamd JSON',
      'tabs',
      'BOM',
      'CRLF',
      'document markers',
      'ignored key (warning)',
      'nested team',
      'bonding_options as a mapping',
    ];
    for (const t of expected) expect([t, traits.get(t) ?? 0]).toEqual([t, expect.any(Number)]);
    expect(expected.filter((t) => (traits.get(t) ?? 0) < 5)).toEqual([]);
  });
});
