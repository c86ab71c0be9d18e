/** The benchmark result as Markdown tables (printed by `npm run bench`, pasted into bench/RESULTS.md). */
import type { BenchResult, Row } from './bench';
import type { WatchResult } from './watch';

const ms = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x)
    ? '–'
    : x >= 10_000
      ? `${(x / 1000).toFixed(1)} s`
      : x >= 1000
        ? `${(x / 1000).toFixed(2)} s`
        : `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

function ratio(r: Row, rows: Row[]): string {
  const same = (s: Row['scenario']): Row | undefined => rows.find((x) => x.scenario === s && x.teams === r.teams);
  const lb = same('lower-bound-pipelined');
  const cold = same('cold-apply');
  if ((r.scenario === 'cold-apply' || r.scenario === 'cold-apply-no-verify') && lb) {
    const seq = same('lower-bound-sequential');
    const paired = r.pairedRatio
      ? `${r.pairedRatio.median.toFixed(2)}× LB paired (${r.pairedRatio.min.toFixed(2)}–${r.pairedRatio.max.toFixed(2)}); `
      : '';
    return (
      `${paired}${(r.ms.median / lb.ms.median).toFixed(2)}× LB median` +
      (seq ? ` (${(r.ms.median / seq.ms.median).toFixed(2)}× sequential LB)` : '')
    );
  }
  if (r.scenario === 'nmcli-script' && cold) return `nmcli/nmteam ${(r.ms.median / cold.ms.median).toFixed(1)}×`;
  if (r.scenario === 'lower-bound-sequential' && lb) return `${(r.ms.median / lb.ms.median).toFixed(2)}× LB`;
  return '';
}

function table(head: string[], body: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function renderResult(r: BenchResult): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`nmteam benchmark, ${r.date}`);
  out.push(
    `machine: ${m.nproc} CPUs (${m.cpu}), ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node}, NetworkManager ${m.networkManager || '?'}; load average (1 min) ${m.loadAvg1m.start.toFixed(1)} at start, ${m.loadAvg1m.end.toFixed(1)} at end`,
  );
  out.push(
    `reps: ${r.options.reps} timed per scenario (median; min–max shown) + 1 counted warm-up; nmcli script: ${r.options.nmcliReps}`,
  );
  out.push(
    `sandboxes: ${r.sandboxes.map((s) => `${s.teams} teams → ${s.nmDevices} NM devices, set up in ${ms(s.setupMs)}`).join('; ')}`,
  );
  out.push('');
  out.push(
    table(
      [
        'scenario',
        'teams',
        'profiles',
        'median',
        'min–max',
        'NM CPU',
        'bus CPU',
        'client CPU',
        'D-Bus calls (writes)',
        'peak RSS',
        'ratio',
        'note',
      ],
      r.rows.map((x) => [
        x.scenario,
        String(x.teams),
        String(x.profiles),
        ms(x.ms.median),
        `${ms(x.ms.min)}–${ms(x.ms.max)}`,
        ms(x.nmCpuMs),
        ms(x.busCpuMs),
        ms(x.clientCpuMs),
        x.calls === undefined
          ? x.scenario.startsWith('lower-bound')
            ? `${x.profiles} (${x.profiles})`
            : '–'
          : `${x.calls} (${x.writes})`,
        x.peakRssMb === undefined ? '–' : `${x.peakRssMb.toFixed(0)} MiB`,
        ratio(x, r.rows),
        x.note ?? '',
      ]),
    ),
  );
  out.push('');
  const s = r.startup;
  out.push(
    `start-up: \`nmteam --version\` ${ms(s.versionMs.median)} (${ms(s.versionMs.min)}–${ms(s.versionMs.max)}, peak RSS ${s.versionRssMb.toFixed(0)} MiB); bare \`node -e 0\` ${ms(s.nodeBareMs.median)}`,
  );
  out.push('');
  out.push('plan/diff in process (planSteps(diffTeams(...)), activation steps included, no NetworkManager):');
  out.push('');
  out.push(
    table(
      ['case', 'profiles', 'teams', 'median', 'µs/profile', 'steps'],
      r.synthetic.map((x) => [
        x.case,
        String(x.profiles),
        String(x.teams),
        ms(x.ms),
        x.usPerProfile.toFixed(1),
        String(x.steps),
      ]),
    ),
  );
  out.push('');
  const watchLine = (w: WatchResult, how: string): string =>
    w.available
      ? `watch (${w.teams} teams, ${how}): reaction median ${ms(w.reactionMs.median)} (${ms(w.reactionMs.min)}–${ms(w.reactionMs.max)}, ${w.reactionMs.samples.length} edits, ${w.missed} missed), of which the reconcile itself ${ms(w.reconcileMs)}; first reconcile of all teams ${ms(w.startMs)}; peak RSS ${w.peakRssMb?.toFixed(0) ?? '?'} MiB`
      : `watch: ${w.note}`;
  out.push(watchLine(r.watch, '`node dist/cli.js watch`'));
  if (r.watchUnit)
    out.push(
      '',
      watchLine(
        r.watchUnit,
        `as examples/nmteam-watch.service runs it: NODE_OPTIONS=${r.watchUnit.available ? r.watchUnit.nodeOptions : '?'}`,
      ),
    );
  out.push('');
  out.push('targets (issue 6; measured, not asserted):');
  out.push('');
  out.push(
    table(
      ['target', 'goal', 'measured', 'met'],
      r.targets.map((t) => [t.name, t.target, t.measured, t.met === null ? 'n/a' : t.met ? 'yes' : 'NO']),
    ),
  );
  return out.join('\n') + '\n';
}
