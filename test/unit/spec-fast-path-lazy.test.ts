/**
 * The point of the fast path (spec/fast-yaml.ts): a valid plain file is read
 * without loading `yaml` at all. Here requiring `yaml` throws, so this fails
 * if the fast path is disabled or declines plain files.
 */
import { specYaml } from '../../bench/workload';
import { formatErrors, parseSpec } from '../../src/spec/parse';

jest.mock('yaml', () => {
  throw new Error('yaml was loaded');
});

it('parseSpec reads a plain valid file without yaml', () => {
  const res = parseSpec(specYaml(10), { file: 'bench.yaml' });
  expect(res.ok && res.spec.teams.length).toBe(10);
});

it('a file with an error needs yaml (so the test above has teeth)', () => {
  const res = parseSpec('network_config: 1\n');
  expect(res.ok).toBe(false);
  expect(formatErrors(res.ok ? [] : res.errors)).toMatch(/yaml was loaded/);
});
