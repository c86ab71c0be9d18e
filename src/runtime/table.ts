import type { TeamRuntime } from './teamd';

/**
 * Pure: runtime state → the compact table `nmteam show --state` prints on a TTY,
 * one line per port (the team's columns only on its first line).
 *
 * @example
 *   TEAM   STATE      RUNNER        ACTIVE  PORT  LINK  WATCH  DOWNS  DEVICE     RX  TX
 *   team0  activated  activebackup  eth1    eth0  down  down   1      activated  4   9
 *                                           eth1  up    up     0      activated  7   12
 *
 * A port the kernel has in the team but teamd does not run shows `not in teamd`, with a warning line.
 */
export function renderRuntimeTable(runtime: Record<string, TeamRuntime>): string {
  const head = ['TEAM', 'STATE', 'RUNNER', 'ACTIVE', 'PORT', 'LINK', 'WATCH', 'DOWNS', 'DEVICE', 'RX', 'TX'];
  const rows: string[][] = [];
  const s = (v: unknown): string => (v === undefined ? '-' : String(v));
  for (const [team, r] of Object.entries(runtime)) {
    const teamCols = [team, r.state, s(r.runner), s(r.active_port)];
    const ports = Object.entries(r.ports ?? {});
    const missing = r.missing_in_teamd ?? [];
    if (ports.length === 0 && missing.length === 0) rows.push([...teamCols, '-', '-', '-', '-', '-', '-', '-']);
    ports.forEach(([name, p], i) => {
      rows.push([
        ...(i === 0 ? teamCols : ['', '', '', '']),
        name,
        p.link,
        s(p.link_watch),
        s(p.down_count),
        s(p.device_state),
        s(p.rx_packets),
        s(p.tx_packets),
      ]);
    });
    missing.forEach((name, i) =>
      rows.push([...(ports.length || i ? ['', '', '', ''] : teamCols), name, '-', '-', '-', 'not in teamd', '-', '-']),
    );
    if (missing.length) {
      const list = missing.join(', ');
      rows.push([
        '',
        `warning: teamd does not run ${list}, which the kernel has in ${team} (teamd missed their events); activate them again, e.g. nmcli device connect ${missing[0]}`,
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
      ]);
    }
    if (r.error) rows.push(['', `error: ${r.error}`, '', '', '', '', '', '', '', '', '']);
  }
  const note = (row: string[]): boolean => /^(error|warning): /.test(row[1] ?? '');
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.filter((row) => !note(row)).map((row) => row[i]!.length)),
  );
  const line = (cols: string[]): string =>
    cols
      .map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [head, ...rows].map((row) => (note(row) ? `  ${row[1]}` : line(row))).join('\n') + '\n';
}
