import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A scratch directory for the tests of the enclosing block, with NMTEAM_STATE_DIR inside it, made fresh for each
 * test (`each`) or once for the block (`all`); afterwards the variable is as it was and the directory is gone.
 * Read `dir` inside a test or hook, not at collection time.
 */
export function scratchStateDir(prefix: string, scope: 'each' | 'all' = 'each'): { readonly dir: string } {
  const saved = process.env.NMTEAM_STATE_DIR;
  const scratch = { dir: '' };
  (scope === 'each' ? beforeEach : beforeAll)(() => {
    scratch.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    process.env.NMTEAM_STATE_DIR = path.join(scratch.dir, 'state');
  });
  (scope === 'each' ? afterEach : afterAll)(() => {
    if (saved === undefined) delete process.env.NMTEAM_STATE_DIR;
    else process.env.NMTEAM_STATE_DIR = saved;
    fs.rmSync(scratch.dir, { recursive: true, force: true });
  });
  return scratch;
}
