import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unitNodeOptions } from '../../bench/watch';

/** examples/nmteam-watch.service: the NODE_OPTIONS it gives watch are what the benchmark measures, and Node accepts them. */
const unit = fs.readFileSync(path.join(__dirname, '../../examples/nmteam-watch.service'), 'utf8');

describe('the systemd unit’s NODE_OPTIONS', () => {
  it('are found by the benchmark', () => {
    expect(unitNodeOptions(unit)).toBe('--max-semi-space-size=4');
    expect(unitNodeOptions('[Service]\nExecStart=/usr/local/bin/nmteam watch f\n')).toBeUndefined();
    expect(unitNodeOptions('Environment="NODE_OPTIONS=--a --b"\n')).toBe('--a --b');
  });

  it('are accepted by Node in NODE_OPTIONS and take effect', () => {
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        'process.stdout.write(String(require("v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size))',
      ],
      {
        env: { ...process.env, NODE_OPTIONS: unitNodeOptions(unit) },
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(Number(r.stdout)).toBeLessThanOrEqual(3 * 4 * 2 ** 20); // new space is at most 3 semi-spaces of 4 MiB
  });
});
