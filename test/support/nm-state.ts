import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from '../harness/sandbox/sandbox';

/**
 * Delete every profile (owned or not, except NetworkManager's own loopback)
 * and nmteam's state, so each test starts from an empty NetworkManager.
 */
export async function resetSandbox(sb: Sandbox): Promise<void> {
  const list = await sb.nmcli(['-t', '-f', 'UUID,TYPE', 'connection', 'show']);
  const uuids = list.stdout
    .split('\n')
    .filter((l) => l && !l.endsWith(':loopback'))
    .map((l) => l.split(':')[0]!);
  if (uuids.length) await sb.nmcli(['connection', 'delete', ...uuids]);
  fs.rmSync(path.join(sb.dir, 'nmteam-state'), { recursive: true, force: true });
}

/** A three-member active-backup team, eth0 primary, static IPv4: the integration tests' usual desired state. */
export const ACTIVEBACKUP_SPEC = `network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "activebackup"}}'
    addresses: [{ip_netmask: 192.0.2.10/24}]
    members:
      - {type: interface, name: eth0, primary: true}
      - {type: interface, name: eth1}
      - {type: interface, name: eth2}
`;
