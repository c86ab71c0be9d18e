/** Run the built nmteam CLI against a sandbox (for integration tests and the demo). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunResult, run } from './proc';
import type { Sandbox } from './sandbox';

/**
 * The repo root is the nearest ancestor holding nmteam's package.json. This
 * works from test/harness/sandbox (ts-jest) and from its compiled copy alike, where a fixed
 * relative path would differ.
 */
export function repoRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'nmteam') return dir;
    } catch {
      /* no or unreadable package.json here: keep walking up */
    }
    if (path.dirname(dir) === dir) throw new Error(`nmteam package.json not found above ${from}`);
  }
}

export function cliPath(): string {
  return path.join(repoRoot(), 'dist', 'cli.js');
}

/** Run `node dist/cli.js ...args` with the sandbox's bus in the environment; never through a shell. */
export async function runNmteam(
  sb: Sandbox,
  args: string[],
  opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  const cli = cliPath();
  if (!fs.existsSync(cli)) throw new Error(`${cli} does not exist: run \`npm run build\` first`);
  return run(process.execPath, [cli, ...args], { env: { ...sb.env, ...opts.env }, input: opts.input, cwd: opts.cwd });
}
