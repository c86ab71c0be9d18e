import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from '../harness/sandbox/sandbox';

/**
 * Desired-state text and scratch files for the sandbox tests: one team entry as os-net-config writes it, a
 * file written into a test's scratch directory, and nmcli that fails the test when it fails.
 */

/** One `- type: team` entry of a `network_config` list (its runner, its members, optionally a primary). */
export const teamEntry = (name: string, runner: string, members: string[], primary?: string): string => `  - type: team
    name: ${name}
    bonding_options: '{"runner": {"name": "${runner}"}}'
    members:
${members.map((m) => `      - {type: interface, name: ${m}${m === primary ? ', primary: true' : ''}}`).join('\n')}
`;

/** Write `text` to `name` in `dir` (the test's scratch directory); returns the path. */
export function writeIn(dir: string, name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

/** `nmcli ARGS...` in the sandbox: its stdout; throws with nmcli's message when it fails. */
export async function nmcliOk(sb: Sandbox, ...args: string[]): Promise<string> {
  const r = await sb.nmcli(args);
  if (r.code !== 0) throw new Error(`nmcli ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
