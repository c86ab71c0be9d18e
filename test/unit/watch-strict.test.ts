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

  type Event = { event: string; warnings?: { code: string; path: string }[]; errors?: { code: string }[] };
  async function once(strict: boolean, spec = SPEC): Promise<{ code: number; events: Event[] }> {
    const file = path.join(scratch.dir, 'teams.yaml');
    fs.writeFileSync(file, spec);
    const lines: string[] = [];
    const code = await cmdWatch(
      file,
      { nm: new FakeNm(), once: true, strict, activate: false, logFormat: 'json', timeout: 5, resync: 0 },
      { out: (s) => lines.push(s), err: (s) => lines.push(s) },
    );
    return {
      code,
      events: lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    };
  }

  it('logs a warning event (code, path) and reconciles', async () => {
    const r = await once(false);
    expect(r.code).toBe(0);
    expect(r.events.find((e) => e.event === 'warning')?.warnings).toEqual([
      expect.objectContaining({ code: 'IGNORED_KEY', path: 'network_config[0].dhclient_args' }),
    ]);
    expect(r.events.some((e) => e.event === 'reconcile')).toBe(true);
  });

  it('--strict: the file is invalid (exit 3), nothing reconciled', async () => {
    const r = await once(true);
    expect(r.code).toBe(3);
    expect(r.events.find((e) => e.event === 'invalid-spec')?.errors).toEqual([
      expect.objectContaining({ code: 'IGNORED_KEY' }),
    ]);
    expect(r.events.some((e) => e.event === 'reconcile')).toBe(false);
  });

  it('primary on a runner that ignores it (PRIO_IGNORED): a located warning event; --strict refuses the file', async () => {
    const lacp = SPEC.replace('    dhclient_args: "-timeout 30"\n', '')
      .replace('activebackup', 'lacp')
      .replace('name: eth0}', 'name: eth0, primary: true}');
    const warned = await once(false, lacp);
    expect(warned.code).toBe(0);
    expect(warned.events.find((e) => e.event === 'warning')?.warnings).toEqual([
      expect.objectContaining({
        code: 'PRIO_IGNORED',
        path: 'network_config[0].members[0].primary',
        loc: { line: 6, col: 39 },
      }),
    ]);
    const refused = await once(true, lacp);
    expect(refused.code).toBe(3);
    const invalid = refused.events.find((e) => e.event === 'invalid-spec');
    expect(invalid?.errors).toEqual([expect.objectContaining({ code: 'PRIO_IGNORED' })]);
  });
});
