import * as fs from 'node:fs';
import * as path from 'node:path';
import { cmdWatch } from '../../src/watch/controller';
import { FakeNm } from '../support/fake-nm';
import { scratchStateDir } from '../support/state-dir';

/** watch reads the desired state like plan/apply: warnings are logged and the run goes on; --strict refuses them. */
const SPEC = `network_config:
  - type: team
    name: team0
    dhclient_args: "-timeout 30"
    bonding_options: '{"runner": {"name": "activebackup"}}'
    members:
      - {type: interface, name: eth0}
`;

describe('watch and desired-state warnings', () => {
  const scratch = scratchStateDir('nmteam-watch-strict-');

  async function once(strict: boolean): Promise<{ code: number; events: { event: string; warnings?: { code: string; path: string }[]; errors?: { code: string }[] }[] }> {
    const file = path.join(scratch.dir, 'teams.yaml');
    fs.writeFileSync(file, SPEC);
    const lines: string[] = [];
    const code = await cmdWatch(file, { nm: new FakeNm(), once: true, strict, activate: false, logFormat: 'json', timeout: 5, resync: 0 }, { out: (s) => lines.push(s), err: (s) => lines.push(s) });
    return { code, events: lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  }

  it('logs a warning event (code, path) and reconciles', async () => {
    const r = await once(false);
    expect(r.code).toBe(0);
    expect(r.events.find((e) => e.event === 'warning')?.warnings).toEqual([expect.objectContaining({ code: 'IGNORED_KEY', path: 'network_config[0].dhclient_args' })]);
    expect(r.events.some((e) => e.event === 'reconcile')).toBe(true);
  });

  it('--strict: the file is invalid (exit 3), nothing reconciled', async () => {
    const r = await once(true);
    expect(r.code).toBe(3);
    expect(r.events.find((e) => e.event === 'invalid-spec')?.errors).toEqual([expect.objectContaining({ code: 'IGNORED_KEY' })]);
    expect(r.events.some((e) => e.event === 'reconcile')).toBe(false);
  });
});
