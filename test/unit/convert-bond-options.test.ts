/**
 * nmteam's bond → team conversion against the real libteam bond2team, run in
 * the same test run. Every difference must be explained by the row's named
 * bond2team defects (test/fixtures/convert/bond2team.ts), and each named
 * defect must be needed: "equal after the fixes" and "not equal without any
 * one of them". Equality is what teamd would do (normalizeTeamConfig).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BOND_OPTIONS, parseBondOptions } from '../../src/convert/bond-options';
import { bondToTeam, type TeamFromBond } from '../../src/convert/bond-to-team';
import type { JsonValue, TeamdJson } from '../../src/core/types';
import { normalizePortConfig, normalizeTeamConfig, validateTeamConfig } from '../../src/teamd';
import {
  b2tLinkWatchIntent,
  b2tRunnerCount,
  isPairs,
  parseTolerant,
  runBond2team,
  teamdConf,
  toJson,
  type B2tRun,
} from '../fixtures/convert/bond2team';
import { FIX_ORDER, REASONS, type FixCtx, type Reason } from '../fixtures/convert/bond2team-reasons';
import { ROWS, type Row } from '../fixtures/convert/bond-rows';

const PORTS = ['eth0', 'eth1'];
const spaced = (opts: string): string => opts.replace(/,(?=[a-z_0-9]+=)/g, ' ');
const runs = new Map<string, B2tRun>();
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-b2t-'));
  const inputs = [...new Set(ROWS.flatMap(([o]) => [o, spaced(o)]))];
  for (let i = 0; i < inputs.length; i += 8) {
    await Promise.all(
      inputs.slice(i, i + 8).map(async (o) => {
        const row = ROWS.find((r) => r[0] === o || spaced(r[0]) === o);
        runs.set(o, await runBond2team(o, row?.[2] ? PORTS : [], dir));
      }),
    );
  }
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What teamd would do with a config and its port configs. */
function normalized(config: TeamdJson, ports: Record<string, JsonValue>): JsonValue {
  const { ports: _p, device: _d, ...team } = config;
  const out: TeamdJson = {};
  for (const [k, v] of Object.entries(ports)) {
    const n = normalizePortConfig(v as TeamdJson);
    if (Object.keys(n).length > 0) out[k] = n;
  }
  return { config: normalizeTeamConfig(team), ports: out };
}

/** bond2team's output with `fixes` applied, normalized; a string when something is left unexplained. */
function fixed(
  run: B2tRun,
  opts: string,
  fixes: readonly Reason[],
  ours: TeamFromBond,
  ports: readonly string[],
): JsonValue {
  const tol = parseTolerant(teamdConf(run.stdout));
  if (tol.junk && !fixes.includes('B2T_LINK_WATCH_TRUNCATED')) return 'unexplained: trailing comma or empty element';
  const lwEntry = tol.value.pairs.find(([k]) => k === 'link_watch')?.[1];
  const out = toJson({ pairs: tol.value.pairs.filter(([k]) => k !== 'link_watch') }) as TeamdJson | undefined;
  if (!out || !isPairs(lwEntry)) return 'unexplained: duplicate keys outside link_watch';
  const c: FixCtx = { out, lw: lwEntry.pairs, optsText: opts, opts: parseBondOptions(opts).options, ports, ours };
  const apply = (r: Reason): void => (REASONS[r] as { fix: (c: FixCtx) => void }).fix(c);
  // The link-watch pairs are repaired first; only then can they be read as JSON (teamd refuses repeated keys).
  const pairFixes: Reason[] = ['B2T_LINK_WATCH_TRUNCATED', 'B2T_DUPLICATE_KEYS'];
  FIX_ORDER.filter((r) => fixes.includes(r) && pairFixes.includes(r)).forEach(apply);
  const lw = toJson({ pairs: c.lw });
  if (lw === undefined) return 'unexplained: duplicate keys in link_watch';
  c.out.link_watch = lw;
  FIX_ORDER.filter((r) => fixes.includes(r) && !pairFixes.includes(r)).forEach(apply);
  return normalized(c.out, (c.out.ports ?? {}) as Record<string, JsonValue>);
}

describe('bonding options: nmteam vs bond2team', () => {
  it('covers at least 60 option strings and every bonding option', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60);
    const used = new Set(ROWS.flatMap(([o]) => [...parseBondOptions(o).options.keys()]));
    const missing = Object.keys(BOND_OPTIONS).filter((k) => !used.has(k) && !['slaves', 'num_unsol_na'].includes(k));
    expect(missing).toEqual([]);
  });

  // A rest parameter: with three named ones jest would take the third for a done() callback.
  it.each(ROWS)('%s', (...row: Row) => {
    const [opts, why, withPorts] = row;
    const ports = withPorts ? PORTS : [];
    const ours = bondToTeam(opts, withPorts ? { ports } : {});
    expect(ours.errors).toEqual([]);
    expect(validateTeamConfig({ ...ours.config, ports: ours.ports })).toEqual([]);
    let run = runs.get(opts)!;
    if (why.includes('B2T_COMMA_SEPARATED')) {
      const again = runs.get(spaced(opts))!;
      expect(again.stdout !== run.stdout || again.code !== run.code).toBe(true);
      run = again;
    }
    const reject = why.find((r) => REASONS[r].kind === 'reject');
    if (reject) return checkReject(reject, run, opts, ours, ports);
    expect(run.stderr.replace(/^INFO: .*\n/gm, '')).toBe('');
    expect(run.code).toBe(0);
    const fixes = why.filter((r) => REASONS[r].kind === 'fix');
    if (fixes.includes('B2T_LINK_WATCH_TRUNCATED')) checkTruncationModel(run, spaced(opts));
    const mine = normalized(ours.config, ours.ports);
    expect(fixed(run, spaced(opts), fixes, ours, ports)).toEqual(mine);
    for (const r of fixes)
      expect([
        r,
        fixed(
          run,
          spaced(opts),
          fixes.filter((x) => x !== r),
          ours,
          ports,
        ),
      ]).not.toEqual([r, mine]);
  });
});

/** The truncation defect as modelled: bond2team printed exactly the first (runner option count) link-watch options. */
function checkTruncationModel(run: B2tRun, opts: string): void {
  const printed = parseTolerant(teamdConf(run.stdout)).value.pairs.find(([k]) => k === 'link_watch')![1];
  const intent = b2tLinkWatchIntent(opts);
  expect(intent.length).not.toBe(b2tRunnerCount(opts));
  expect(isPairs(printed) && printed.pairs).toEqual(intent.slice(0, b2tRunnerCount(opts)));
}

function checkReject(reason: Reason, run: B2tRun, opts: string, ours: TeamFromBond, ports: readonly string[]): void {
  expect(run.code).not.toBe(0);
  const m = (REASONS[reason] as { stderr: RegExp }).stderr.exec(run.stderr);
  expect(m).not.toBeNull();
  const option = m![1]!;
  const named = (o: TeamFromBond, code: string): boolean =>
    o.issues.some((i) => i.option === option && i.code === code);
  switch (reason) {
    case 'B2T_SINGLE_ARP_TARGET': {
      const lw = ours.config.link_watch;
      expect(Array.isArray(lw) && lw.filter((w) => (w as TeamdJson).name === 'arp_ping').length).toBeGreaterThan(1);
      return;
    }
    case 'B2T_ABORTS_UNSUPPORTED':
      expect(named(ours, 'NO_TEAM_EQUIVALENT')).toBe(true);
      expect(bondToTeam(opts, { ports, strict: true }).errors.some((i) => i.option === option)).toBe(true);
      return;
    case 'B2T_UNKNOWN_OPTION':
      // A real driver option: the kernel (and nmteam) read it; nmteam maps it or names it in a warning.
      expect(parseBondOptions(opts).options.has(option)).toBe(true);
      return;
    default:
      // The kernel takes the option as written and nmteam maps it.
      expect(parseBondOptions(opts).options.has(option === 'num_unsol_na' ? 'num_grat_arp' : option)).toBe(true);
      expect(named(ours, 'NO_TEAM_EQUIVALENT')).toBe(false);
  }
}
