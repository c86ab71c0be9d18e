/**
 * The npm package holds the product only: the compiled CLI and library under dist/, the README, the docs it links to and the examples.
 * The test harness (test/harness: the sandbox NetworkManager, the QEMU VM that downloads a kernel, the demo) stays
 * out of it. Reads `npm pack --dry-run --json`, which lists exactly what `npm pack` would put in the tarball.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

describe('npm pack', () => {
  it('lists only the product', () => {
    expect(fs.existsSync(path.join(root, 'dist', 'cli.js'))).toBe(true); // npm test builds before the unit tests
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('dist/main.bundle.js');
    const outside = files.filter((f) => !/^(dist\/|docs\/|examples\/|README\.md$|LICENSE$|package\.json$)/.test(f));
    expect(outside).toEqual([]);
    const harness = files.filter((f) => /(^|\/)(sandbox|vm|harness)\/|demo\.(js|d\.ts)$/.test(f));
    expect(harness).toEqual([]);
  });
});
