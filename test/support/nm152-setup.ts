/**
 * globalSetup of the jest project integration-nm152: make (first time, ~40-60 s) or find (cached) the Debian 13
 * userland once, before any worker starts a sandbox. A userland that cannot be made fails the run here, with
 * the cause scripts/nm-userland.sh gives: the 1.52 suite is never skipped silently.
 */
import { prepareUserland } from '../harness/sandbox/userland';

export default async function setup(): Promise<void> {
  const t0 = Date.now();
  const u = await prepareUserland('trixie');
  const ms = Date.now() - t0;
  process.stderr.write(`integration-nm152: NetworkManager ${u.nmPackage} from ${u.root} (prepared in ${ms} ms)\n`);
}
