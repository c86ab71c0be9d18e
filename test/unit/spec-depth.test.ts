import { MAX_DEPTH, nestingTooDeep } from '../../src/spec/depth';
import { parseSpec } from '../../src/spec/parse';

const flow = (n: number): string => `network_config: ${'['.repeat(n)}${']'.repeat(n)}\n`;
const block = (n: number): string => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + '\n';

describe('nesting depth, counted before any YAML library reads the text', () => {
  it('refuses flow and block nesting past the limit, where it is crossed', () => {
    expect(nestingTooDeep(flow(MAX_DEPTH - 1))).toBeUndefined(); // one level is the network_config mapping
    expect(nestingTooDeep(flow(MAX_DEPTH))).toEqual({ line: 1, col: 'network_config: '.length + MAX_DEPTH });
    expect(nestingTooDeep(block(MAX_DEPTH))).toBeUndefined();
    expect(nestingTooDeep(block(MAX_DEPTH + 1))).toEqual({ line: MAX_DEPTH + 1, col: MAX_DEPTH + 1 });
    expect(nestingTooDeep('- '.repeat(MAX_DEPTH + 1) + 'x\n')).toEqual({ line: 1, col: 1 }); // sequences opened on one line
    // Balanced flow on one line closes; block and flow levels add up (2 block levels + 99 brackets).
    expect(nestingTooDeep(`a:\n  b: ${'{b: '.repeat(90)}1${'}'.repeat(90)}\n  c: ${'['.repeat(98)}`)).toBeUndefined();
    expect(nestingTooDeep(`a:\n  b: ${'{b: '.repeat(90)}1${'}'.repeat(90)}\n  c: ${'['.repeat(99)}`)).toEqual({
      line: 3,
      col: '  c: '.length + 99,
    });
  });

  it('does not count brackets in quoted scalars, comments or block scalars', () => {
    const deep = '['.repeat(MAX_DEPTH * 2);
    expect(nestingTooDeep(`a: '${deep}'\nb: "${deep}\\" ${deep}"\nc: x # ${deep}\n`)).toBeUndefined();
    expect(nestingTooDeep(`a: |\n  ${deep}\n  ${deep}\n\n  ${deep}\nb: >-\n    ${deep}\nc: 1\n`)).toBeUndefined();
    expect(nestingTooDeep(`a: [ 'x', "y", '${deep}' ]\n`)).toBeUndefined();
    expect(nestingTooDeep(`a: 'it''s ${deep}'\n`)).toBeUndefined();
  });

  it('a quote inside a plain scalar starts nothing, so it cannot hide nesting', () => {
    expect(nestingTooDeep(`a: don't\nb: ${'['.repeat(MAX_DEPTH + 1)}\n`)).toEqual({ line: 2, col: 4 + MAX_DEPTH - 1 });
  });

  it('every example and test fixture is far from the limit', () => {
    const fs = require('node:fs') as typeof import('node:fs');
    const path = require('node:path') as typeof import('node:path');
    const root = path.join(__dirname, '..', '..');
    const files = ['examples', 'test/fixtures'].flatMap((d) =>
      (fs.readdirSync(path.join(root, d), { recursive: true }) as string[])
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => path.join(root, d, f)),
    );
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) expect([f, nestingTooDeep(fs.readFileSync(f, 'utf8'), 12)]).toEqual([f, undefined]);
  });

  it('parseSpec says so with the file and position, whichever path would have read the text', () => {
    for (const fastPath of [true, false]) {
      const res = parseSpec(flow(5000), { file: 'deep.yaml', fastPath });
      expect(res).toEqual({
        ok: false,
        errors: [
          expect.objectContaining({
            code: 'YAML_SYNTAX',
            message: `the document nests deeper than ${MAX_DEPTH} levels`,
            file: 'deep.yaml',
            loc: { line: 1, col: 'network_config: '.length + MAX_DEPTH },
          }),
        ],
      });
    }
  });
});
