/**
 * Which NetworkManager a sandbox runs: the host's own (Debian 12: 1.42), or the one of a cached
 * Debian 13 userland (1.52) made by scripts/nm-userland.sh. The userland's /usr is bind-mounted over
 * /usr inside the sandbox's private mount namespace only (with its ld.so.cache), so NetworkManager,
 * its plugins, teamd and nmcli are all Debian 13's while paths (the bus socket, the keyfile folder,
 * /proc, /sys) stay the same as the host's. See docs/versions.md.
 *
 * Selected by `startSandbox({ nm })` or the environment: NMTEAM_NM=trixie (alias 1.52); unset or
 * `host` is the host's own. The jest project integration-nm152 sets NMTEAM_NM=trixie.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './cli';
import { run } from './proc';

export type NmUserland = 'host' | 'trixie';

const ALIASES: Record<string, NmUserland> = {
  '': 'host',
  host: 'host',
  trixie: 'trixie',
  '1.52': 'trixie',
  debian13: 'trixie',
};

/** The userland asked for (option first, then NMTEAM_NM); throws on a name it does not know. */
export function selectedUserland(opt?: string): NmUserland {
  const want = opt ?? process.env.NMTEAM_NM ?? '';
  const u = ALIASES[want];
  if (!u) {
    throw new Error(`unknown NetworkManager userland NMTEAM_NM=${JSON.stringify(want)} (known: host, trixie or 1.52)`);
  }
  return u;
}

export interface UserlandInfo {
  /** Root folder of the userland (its /usr is mounted over /usr in the sandbox). */
  root: string;
  /** Debian version of its network-manager package, e.g. 1.52.1-1. */
  nmPackage: string;
}

const made = new Map<string, Promise<UserlandInfo>>();

/**
 * Make (first time, ~40-60 s) or find (cached, a few ms) the userland; rejects with the maker's own
 * words when it cannot be made, so a run that needs it fails with the cause named.
 */
export function prepareUserland(name: Exclude<NmUserland, 'host'>): Promise<UserlandInfo> {
  let p = made.get(name);
  if (!p) {
    p = (async () => {
      // From a transpiled copy outside the repository (the harness's own crash tests) the repository is the cwd.
      let top: string;
      try {
        top = repoRoot();
      } catch {
        top = repoRoot(process.cwd());
      }
      const script = path.join(top, 'scripts', 'nm-userland.sh');
      const r = await run('bash', [script, name], { timeoutMs: 900_000 });
      const root = r.stdout.trim().split('\n').pop() ?? '';
      if (r.code !== 0 || !root) {
        const why = `scripts/nm-userland.sh exit ${r.code}`;
        throw new Error(`the Debian ${name} NetworkManager userland cannot be prepared (${why}):\n${r.stderr.trim()}`);
      }
      const manifest = JSON.parse(fs.readFileSync(path.join(root, 'manifest.json'), 'utf8')) as Record<string, string>;
      return { root, nmPackage: manifest['network-manager'] ?? '?' };
    })();
    p.catch(() => made.delete(name)); // a later call tries again
    made.set(name, p);
  }
  return p;
}
