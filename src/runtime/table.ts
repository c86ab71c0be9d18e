import type { TeamRuntime } from './teamd';

/**
 * Pure: runtime state → the compact table `nmteam show --state` prints on a TTY,
 * one line per port (the team's columns only on its first line).
 *
 * @example
 *   TEAM   STATE      RUNNER        ACTIVE  PORT  LINK  WATCH  DOWNS  DEVICE     RX  TX
 *   team0  activated  activebackup  eth1    eth0  down  down   1      activated  4   9
 *                                           eth1  up    up     0      activated  7   12
 */
export function renderRuntimeTable(runtime: Record<string, TeamRuntime>): string {
  const head = ['TEAM', 'STATE', 'RUNNER', 'ACTIVE', 'PORT', 'LINK', 'WATCH', 'DOWNS', 'DEVICE', 'RX', 'TX'];
  const rows: string[][] = [];
  const s = (v: unknown): string => (v === undefined ? '-' : String(v));
  for (const [team, r] of Object.entries(runtime)) {
    const teamCols = [team, r.state, s(r.runner), s(r.active_port)];
    const ports = Object.entries(r.ports ?? {});
    if (ports.length === 0) rows.push([...teamCols, '-', '-', '-', '-', '-', '-', '-']);
    ports.forEach(([name, p], i) => {
      rows.push([...(i === 0 ? teamCols : ['', '', '', '']), name, p.link, s(p.link_watch), s(p.down_count), s(p.device_state), s(p.rx_packets), s(p.tx_packets)]);
    });
    if (r.error) rows.push(['', `error: ${r.error}`, '', '', '', '', '', '', '', '', '']);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.filter((row) => !row[1]?.startsWith('error:')).map((row) => row[i]!.length)));
  const line = (cols: string[]): string => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [head, ...rows].map((row) => (row[1]?.startsWith('error:') ? `  ${row[1]}` : line(row))).join('\n') + '\n';
}
