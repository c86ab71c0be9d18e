/**
 * Which properties of a bond (or bond slave) profile a converted team does
 * not carry, so the conversion can say so instead of losing them quietly.
 * Pure.
 *
 * NetworkManager's GetSettings leaves out most defaults but not all (empty
 * lists, `auto-negotiate: false`), so empty values and a short list of
 * defaults it is known to send are not reported.
 *
 * @example unexpectedProps({ connection: { metered: 1, ... } }, 'bond') // ['connection.metered=1']
 */
import { isSecretKey } from './ifcfg-parse';
import { OWNED_IP_PROPS } from '../nm/settings/ip';
import type { NmSettings } from '../nm/types';
import { OWNED_ETHTOOL } from '../nm/settings/team';

const IP: readonly string[] = OWNED_IP_PROPS;
const ETH_DEFAULTS = ['auto-negotiate', 'mac-address-blacklist', 's390-options'];

/** setting → properties the conversion reads, or knows to be harmless. */
const CARRIED: Readonly<Record<'bond' | 'slave', Readonly<Record<string, readonly string[]>>>> = {
  bond: {
    connection: [
      'id',
      'uuid',
      'type',
      'interface-name',
      'autoconnect',
      'autoconnect-slaves',
      'permissions',
      'timestamp',
      'zone',
    ],
    bond: ['options', 'interface-name'],
    '802-3-ethernet': ['mtu', 'cloned-mac-address', 'assigned-mac-address', ...ETH_DEFAULTS],
    ipv4: IP,
    ipv6: IP,
    proxy: [],
  },
  slave: {
    connection: [
      'id',
      'uuid',
      'type',
      'interface-name',
      'master',
      'slave-type',
      'autoconnect',
      'permissions',
      'timestamp',
    ],
    '802-3-ethernet': ['mtu', 'speed', 'duplex', ...ETH_DEFAULTS],
    'bond-port': ['queue-id', 'prio'],
  },
};

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function unexpectedProps(s: NmSettings, kind: 'bond' | 'slave'): string[] {
  const carried = CARRIED[kind];
  const out: string[] = [];
  for (const [setting, props] of Object.entries(s)) {
    for (const [prop, value] of Object.entries(props)) {
      if (isEmpty(value) || carried[setting]?.includes(prop)) continue;
      if (kind === 'slave' && setting === 'ethtool' && OWNED_ETHTOOL.test(prop)) continue; // a member's ethtool_opts
      // GetSettings leaves secrets out, but a key, password or PSK property is never shown whatever it holds.
      out.push(`${setting}.${prop}=${isSecretKey(prop) ? '<hidden>' : show(value)}`);
    }
  }
  return out;
}
