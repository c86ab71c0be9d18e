/**
 * `npm run demo [-- FILE]`: nmteam end to end against a throwaway
 * NetworkManager (private bus, private network namespace with veth devices).
 * The host's real network and its NetworkManager are never touched.
 */
import * as path from 'node:path';
import { runNmteam, repoRoot } from './sandbox/cli';
import { monitorCalls } from './sandbox/dbus-monitor';
import { startSandbox } from './sandbox/sandbox';

const bold = (s: string): string => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);

async function main(): Promise<number> {
  const file = path.resolve(process.argv[2] ?? path.join(repoRoot(), 'examples', 'activebackup.yaml'));
  process.stdout.write(bold(`Starting a sandbox NetworkManager (veth devices eth0..eth3)...\n`));
  const sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3'] });
  try {
    const step = async (title: string, args: string[], input?: string): Promise<number> => {
      process.stdout.write(`\n${bold(`$ nmteam ${args.join(' ')}`)}   # ${title}\n`);
      const mon = await monitorCalls(sb);
      const r = await runNmteam(sb, args, input === undefined ? {} : { input });
      await mon.stop();
      process.stdout.write(r.stdout + r.stderr);
      const writes = mon.writes().map((w) => w.member);
      process.stdout.write(
        `[exit ${r.code}; D-Bus writes to NetworkManager: ${writes.length}${writes.length ? ` (${writes.join(', ')})` : ''}]\n`,
      );
      return r.code;
    };
    await step('what would change', ['plan', file]);
    await step('apply it (this kernel has no team driver, so profiles only)', [
      'apply',
      file,
      '--no-activate',
      '--detailed-exit-codes',
    ]);
    const shown = await runNmteam(sb, ['show']);
    await step('the owned teams, as desired-state YAML', ['show']);
    await step('apply again: nothing to do, no write', ['apply', file, '--no-activate', '--detailed-exit-codes']);
    await step("feed show's output back: still nothing", ['apply', '-', '--no-activate'], shown.stdout);
    process.stdout.write(`\n${bold('NetworkManager agrees (nmcli in the sandbox):')}\n`);
    process.stdout.write((await sb.nmcli(['-f', 'NAME,TYPE,DEVICE', 'connection', 'show'])).stdout);
    return 0;
  } finally {
    await sb.stop();
    process.stdout.write(`\n${bold('Sandbox stopped.')}\n`);
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
