/**
 * os-net-config's `ethtool_opts` (and ifcfg's ETHTOOL_OPTS) ↔ what NetworkManager carries: its `ethtool`
 * setting (offloads, ring, coalesce, pause) and the link settings of `802-3-ethernet` (speed, duplex,
 * autoneg). Pure. The syntax is os-net-config's: commands separated by `;`, each `-X DEVICE key value ...`
 * with DEVICE `${DEVICE}`, `$DEVICE` or the interface's name; a part without a leading option is `-s`.
 *
 * @example
 *   parseEthtoolOpts('-K ${DEVICE} tso off gro on; -G ${DEVICE} rx 4096', ['em1']).value
 *   // { ethtool: { 'feature-tso': false, 'feature-gro': true, 'ring-rx': 4096 } }
 */
import type { PortEthtool } from '../core/types';

/** The `feature-*` names of NetworkManager 1.42's ethtool setting, without the prefix (ethtool -K's names). */
const FEATURES = new Set([
  'esp-hw-offload',
  'esp-tx-csum-hw-offload',
  'fcoe-mtu',
  'gro',
  'gso',
  'highdma',
  'hw-tc-offload',
  'l2-fwd-offload',
  'loopback',
  'lro',
  'macsec-hw-offload',
  'ntuple',
  'rx',
  'rxhash',
  'rxvlan',
  'rx-all',
  'rx-fcs',
  'rx-gro-hw',
  'rx-gro-list',
  'rx-udp-gro-forwarding',
  'rx-udp_tunnel-port-offload',
  'rx-vlan-filter',
  'rx-vlan-stag-filter',
  'rx-vlan-stag-hw-parse',
  'sg',
  'tls-hw-record',
  'tls-hw-rx-offload',
  'tls-hw-tx-offload',
  'tso',
  'tx',
  'txvlan',
  'tx-checksum-fcoe-crc',
  'tx-checksum-ipv4',
  'tx-checksum-ipv6',
  'tx-checksum-ip-generic',
  'tx-checksum-sctp',
  'tx-esp-segmentation',
  'tx-fcoe-segmentation',
  'tx-gre-csum-segmentation',
  'tx-gre-segmentation',
  'tx-gso-list',
  'tx-gso-partial',
  'tx-gso-robust',
  'tx-ipxip4-segmentation',
  'tx-ipxip6-segmentation',
  'tx-nocache-copy',
  'tx-scatter-gather',
  'tx-scatter-gather-fraglist',
  'tx-sctp-segmentation',
  'tx-tcp6-segmentation',
  'tx-tcp-ecn-segmentation',
  'tx-tcp-mangleid-segmentation',
  'tx-tcp-segmentation',
  'tx-tunnel-remcsum-segmentation',
  'tx-udp-segmentation',
  'tx-udp_tnl-csum-segmentation',
  'tx-udp_tnl-segmentation',
  'tx-vlan-stag-hw-insert',
]);
/** ethtool's long and kernel names for the short ones. */
const FEATURE_ALIASES: Record<string, string> = {
  'rx-checksumming': 'rx',
  'rx-checksum': 'rx',
  'tx-checksumming': 'tx',
  'scatter-gather': 'sg',
  'tcp-segmentation-offload': 'tso',
  'generic-segmentation-offload': 'gso',
  'tx-generic-segmentation': 'gso',
  'generic-receive-offload': 'gro',
  'rx-gro': 'gro',
  'large-receive-offload': 'lro',
  'rx-lro': 'lro',
  'rx-vlan-offload': 'rxvlan',
  'rx-vlan-hw-parse': 'rxvlan',
  'tx-vlan-offload': 'txvlan',
  'tx-vlan-hw-insert': 'txvlan',
  'ntuple-filters': 'ntuple',
  'rx-ntuple-filter': 'ntuple',
  'receive-hashing': 'rxhash',
  'rx-hashing': 'rxhash',
};
const RING = ['rx', 'rx-jumbo', 'rx-mini', 'tx'];
const PAUSE = ['autoneg', 'rx', 'tx'];
const COALESCE = [
  'adaptive-rx',
  'adaptive-tx',
  'pkt-rate-high',
  'pkt-rate-low',
  'rx-frames',
  'rx-frames-irq',
  'rx-frames-high',
  'rx-frames-low',
  'rx-usecs',
  'rx-usecs-irq',
  'rx-usecs-high',
  'rx-usecs-low',
  'sample-interval',
  'stats-block-usecs',
  'tx-frames',
  'tx-frames-irq',
  'tx-frames-high',
  'tx-frames-low',
  'tx-usecs',
  'tx-usecs-irq',
  'tx-usecs-high',
  'tx-usecs-low',
];

type Group = 'feature' | 'ring' | 'coalesce' | 'pause' | 'link';
const COMMANDS: Record<string, Group> = {
  '-K': 'feature',
  '--features': 'feature',
  '--offload': 'feature',
  '-G': 'ring',
  '--set-ring': 'ring',
  '-C': 'coalesce',
  '--coalesce': 'coalesce',
  '-A': 'pause',
  '--pause': 'pause',
  '-s': 'link',
  '--change': 'link',
};

/** A problem at character `index` of the text. */
export interface EthtoolIssue {
  index: number;
  message: string;
}

export interface ParsedEthtoolOpts {
  value: PortEthtool;
  /** Cannot be read as os-net-config reads it: the file is refused. */
  errors: EthtoolIssue[];
  /** Read, but NetworkManager has no setting for it: left out, warned. */
  unmapped: EthtoolIssue[];
}

interface Token {
  text: string;
  index: number;
}

const onOff = (v: string): boolean | undefined => (v === 'on' ? true : v === 'off' ? false : undefined);
const u32 = (v: string): number | undefined =>
  /^[0-9]{1,10}$/.test(v) && Number(v) <= 4294967295 ? Number(v) : undefined;

/** `names`: what the device may be called in the text besides `${DEVICE}`/`$DEVICE` (the member's names). */
export function parseEthtoolOpts(text: string, names: readonly string[]): ParsedEthtoolOpts {
  const out: ParsedEthtoolOpts = { value: { ethtool: {} }, errors: [], unmapped: [] };
  let offset = 0;
  for (const part of text.split(';')) {
    const tokens = [...part.matchAll(/\S+/g)].map((m): Token => ({ text: m[0], index: offset + (m.index ?? 0) }));
    offset += part.length + 1;
    if (tokens.length === 0) continue;
    let rest = tokens;
    let group: Group | undefined = 'link';
    if (tokens[0]!.text.startsWith('-')) {
      const [cmd, dev] = tokens;
      group = COMMANDS[cmd!.text];
      if (!dev || !['${DEVICE}', '$DEVICE', ...names].includes(dev.text)) {
        out.errors.push({
          index: (dev ?? cmd!).index,
          message: `'${cmd!.text}' needs the device next: \${DEVICE} or ${names[0] ?? 'the interface name'}`,
        });
        continue;
      }
      if (!group) {
        out.unmapped.push({
          index: cmd!.index,
          message: `ethtool '${part.trim()}': NetworkManager has no setting for '${cmd!.text}'`,
        });
        continue;
      }
      rest = tokens.slice(2);
    }
    if (rest.length === 0 || rest.length % 2 !== 0) {
      out.errors.push({
        index: (rest[rest.length - 1] ?? tokens[0]!).index,
        message: `'${part.trim()}' is not 'option value' pairs`,
      });
      continue;
    }
    for (let i = 0; i < rest.length; i += 2) readPair(out, group, rest[i]!, rest[i + 1]!);
  }
  linkRules(out);
  return out;
}

function readPair(out: ParsedEthtoolOpts, group: Group, key: Token, val: Token): void {
  const bad = (want: string): void =>
    void out.errors.push({
      index: val.index,
      message: `'${val.text}' for ${key.text} is not ${want}`,
    });
  const unmapped = (why: string): void =>
    void out.unmapped.push({
      index: key.index,
      message: `ethtool option '${key.text} ${val.text}': ${why}`,
    });
  const e = out.value.ethtool;
  if (group === 'feature') {
    const name = FEATURE_ALIASES[key.text] ?? key.text;
    const on = onOff(val.text);
    if (on === undefined) bad('on or off');
    else if (!FEATURES.has(name)) unmapped(`NetworkManager has no ethtool feature '${key.text}'`);
    else e[`feature-${name}`] = on;
  } else if (group === 'pause' || (group === 'coalesce' && key.text.startsWith('adaptive-'))) {
    const on = onOff(val.text);
    const known = group === 'pause' ? PAUSE : COALESCE;
    if (!known.includes(key.text)) unmapped(`NetworkManager has no ethtool ${group} option '${key.text}'`);
    else if (on === undefined) bad('on or off');
    else e[`${group}-${key.text}`] = group === 'pause' ? on : on ? 1 : 0;
  } else if (group === 'ring' || group === 'coalesce') {
    const n = u32(val.text);
    const known = group === 'ring' ? RING : COALESCE;
    if (!known.includes(key.text)) unmapped(`NetworkManager has no ethtool ${group} option '${key.text}'`);
    else if (n === undefined) bad('a number');
    else e[`${group}-${key.text}`] = n;
  } else if (key.text === 'speed') {
    const n = u32(val.text);
    if (n === undefined || n === 0) bad('a speed in Mb/s');
    else out.value.speed = n;
  } else if (key.text === 'duplex') {
    if (val.text !== 'half' && val.text !== 'full') bad('half or full');
    else out.value.duplex = val.text;
  } else if (key.text === 'autoneg') {
    const on = onOff(val.text);
    if (on === undefined) bad('on or off');
    else out.value.autoneg = on;
  } else unmapped(`NetworkManager has no 802-3-ethernet setting for it`);
}

/** NetworkManager sets speed and duplex together, and `autoneg off` means something only with both. */
function linkRules(out: ParsedEthtoolOpts): void {
  const v = out.value;
  if ((v.speed === undefined) !== (v.duplex === undefined)) {
    const [k, val] = v.speed !== undefined ? ['speed', v.speed] : ['duplex', v.duplex];
    out.unmapped.push({
      index: 0,
      message: `ethtool option '${k} ${val}': NetworkManager sets speed and duplex together (give both)`,
    });
    delete v.speed;
    delete v.duplex;
  }
  if (v.autoneg === false && v.speed === undefined) {
    out.unmapped.push({
      index: 0,
      message: "ethtool option 'autoneg off': NetworkManager turns negotiation off only with a speed and duplex",
    });
    delete v.autoneg;
  }
}

/** Empty: nothing for NetworkManager. */
export function isEmptyEthtool(v: PortEthtool): boolean {
  const link = v.speed !== undefined || v.duplex !== undefined || v.autoneg !== undefined;
  return Object.keys(v.ethtool).length === 0 && !link;
}

/** PortEthtool → `ethtool_opts` text that parseEthtoolOpts reads back to the same value (what `show` writes). */
export function formatEthtoolOpts(v: PortEthtool): string {
  const parts: string[] = [];
  const link = [
    ...(v.speed !== undefined ? [`speed ${v.speed}`] : []),
    ...(v.duplex !== undefined ? [`duplex ${v.duplex}`] : []),
    ...(v.autoneg !== undefined ? [`autoneg ${v.autoneg ? 'on' : 'off'}`] : []),
  ];
  if (link.length) parts.push(`-s \${DEVICE} ${link.join(' ')}`);
  const groups: [string, string][] = [
    ['feature', '-K'],
    ['ring', '-G'],
    ['coalesce', '-C'],
    ['pause', '-A'],
  ];
  for (const [group, cmd] of groups) {
    const pairs = Object.keys(v.ethtool)
      .filter((k) => k.startsWith(`${group}-`))
      .sort()
      .map((k) => {
        const x = v.ethtool[k]!;
        const onOffValue = typeof x === 'boolean' || k.startsWith('coalesce-adaptive-');
        const shown = onOffValue ? (x ? 'on' : 'off') : String(x);
        return `${k.slice(group.length + 1)} ${shown}`;
      });
    if (pairs.length) parts.push(`${cmd} \${DEVICE} ${pairs.join(' ')}`);
  }
  return parts.join('; ');
}
