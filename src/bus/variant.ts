import { Variant } from 'dbus-next';
import type { NmSettings } from '../nm/types';

/**
 * Conversion between dbus-next's `a{sa{sv}}` (Variant leaves) and JSON-safe
 * NmSettings. D-Bus types of NM properties are fixed by NM's schema, so a
 * registry learns each property's signature from what NetworkManager sends
 * and knows the ones nmteam writes itself; writing back uses the same types.
 */

/** Signatures of everything nmteam writes, so a first write needs no prior read. */
const KNOWN: Record<string, string> = {
  'connection.id': 's',
  'connection.uuid': 's',
  'connection.type': 's',
  'connection.interface-name': 's',
  'connection.master': 's',
  'connection.slave-type': 's',
  'connection.autoconnect': 'b',
  'connection.autoconnect-slaves': 'i',
  'team.config': 's',
  'team-port.config': 's',
  '802-3-ethernet.mtu': 'u',
  '802-3-ethernet.assigned-mac-address': 's',
  'user.data': 'a{ss}',
  'bond.options': 'a{ss}',
  'bond-port.queue-id': 'u',
  'ipv4.method': 's',
  'ipv4.address-data': 'aa{sv}',
  'ipv4.address-data[].address': 's',
  'ipv4.address-data[].prefix': 'u',
  'ipv4.route-data': 'aa{sv}',
  'ipv4.route-data[].dest': 's',
  'ipv4.route-data[].prefix': 'u',
  'ipv4.route-data[].next-hop': 's',
  'ipv4.route-data[].metric': 'u',
  'ipv4.route-data[].table': 'u',
  'ipv4.gateway': 's',
  'ipv4.dns': 'au',
  'ipv4.dns-search': 'as',
  'ipv4.never-default': 'b',
  'ipv6.method': 's',
  'ipv6.address-data': 'aa{sv}',
  'ipv6.address-data[].address': 's',
  'ipv6.address-data[].prefix': 'u',
  'ipv6.route-data': 'aa{sv}',
  'ipv6.route-data[].dest': 's',
  'ipv6.route-data[].prefix': 'u',
  'ipv6.route-data[].next-hop': 's',
  'ipv6.route-data[].metric': 'u',
  'ipv6.route-data[].table': 'u',
  'ipv6.gateway': 's',
  'ipv6.dns': 'aay',
  'ipv6.dns-search': 'as',
  'ipv6.never-default': 'b',
};

export class SignatureRegistry {
  private readonly sigs = new Map<string, string>(Object.entries(KNOWN));

  learn(key: string, sig: string): void {
    if (!this.sigs.has(key)) this.sigs.set(key, sig);
  }

  /** Learn a batch, e.g. the signatures a journal kept from another process's read. */
  learnAll(sigs: Record<string, string> | undefined): void {
    for (const [k, v] of Object.entries(sigs ?? {})) this.learn(k, v);
  }

  get(key: string): string | undefined {
    return this.sigs.get(key);
  }
}

type Raw = Record<string, Record<string, Variant>>;

/**
 * Variant tree → JSON-safe value, teaching `reg` the signatures met under
 * `key`; `sigs`, when given, gets the registry's signature of every key
 * visited (what `signaturesOf` would find afterwards, in the same pass).
 */
function unwrap(v: unknown, key: string, reg: SignatureRegistry, sigs?: Record<string, string>): unknown {
  if (v instanceof Variant) {
    reg.learn(key, v.signature);
    return unwrap(v.value, key, reg, sigs);
  }
  if (sigs) {
    const sig = reg.get(key);
    if (sig !== undefined) sigs[key] = sig;
  }
  if (Buffer.isBuffer(v)) return [...v];
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((x) => unwrap(x, `${key}[]`, reg, sigs));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = unwrap((v as Record<string, unknown>)[k], `${key}.${k}`, reg, sigs);
    return out;
  }
  return v;
}

export function settingsFromDbus(raw: Raw, reg: SignatureRegistry, sigs?: Record<string, string>): NmSettings {
  const out: NmSettings = {};
  for (const setting of Object.keys(raw)) {
    const props = raw[setting]!;
    const into: Record<string, unknown> = (out[setting] = {});
    for (const prop of Object.keys(props)) into[prop] = unwrap(props[prop], `${setting}.${prop}`, reg, sigs);
  }
  return out;
}

/** A GetSettings reply as JSON-safe settings and the D-Bus signatures of their keys, in one pass. */
export function readSettings(raw: Raw, reg: SignatureRegistry): { settings: NmSettings; signatures: Record<string, string> } {
  const signatures: Record<string, string> = {};
  const settings = settingsFromDbus(raw, reg, signatures);
  return { settings, signatures };
}

interface SigNode {
  type: string;
  child: SigNode[];
}
// dbus-next ships a signature parser but no typings for it.
const { parseSignature } = require('dbus-next/lib/signature') as { parseSignature(sig: string): SigNode[] };

/** JSON value → what dbus-next marshals for the signature tree `node`. */
function wrapNode(value: unknown, node: SigNode, key: string, reg: SignatureRegistry): unknown {
  switch (node.type) {
    case 't':
    case 'x':
      return BigInt(value as number);
    case 'v':
      return toVariant(value, key, reg);
    case '(':
      return (value as unknown[]).map((x, i) => wrapNode(x, node.child[i]!, `${key}[${i}]`, reg));
    case 'a': {
      const inner = node.child[0]!;
      if (inner.type === 'y') return Buffer.from(value as number[]);
      if (inner.type === '{') {
        const valNode = inner.child[1]!;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(value as Record<string, unknown>)) out[k] = wrapNode(x, valNode, `${key}.${k}`, reg);
        return out;
      }
      return (value as unknown[]).map((x) => wrapNode(x, inner, `${key}[]`, reg));
    }
    default:
      return value;
  }
}

function toVariant(value: unknown, key: string, reg: SignatureRegistry): Variant {
  const sig = reg.get(key);
  if (sig === undefined) throw new Error(`unknown D-Bus type for NetworkManager property ${key}`);
  return new Variant(sig, wrapNode(value, parseSignature(sig)[0]!, key, reg));
}

export function settingsToDbus(settings: NmSettings, reg: SignatureRegistry): Raw {
  const out: Raw = {};
  for (const [setting, props] of Object.entries(settings)) {
    out[setting] = {};
    for (const [prop, v] of Object.entries(props)) {
      if (v === undefined) continue;
      out[setting]![prop] = toVariant(v, `${setting}.${prop}`, reg);
    }
  }
  return out;
}

/** For plain properties (`a{sv}` replies of Properties.GetAll): variants unwrapped to JSON. */
export function unwrapProps(props: Record<string, Variant>): Record<string, unknown> {
  const reg = new SignatureRegistry();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) out[k] = unwrap(v, k, reg);
  return out;
}
