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
  // routing rules: the aa{sv} keys of NetworkManager's NMIPRoutingRule (read back from NetworkManager 1.42)
  'ipv4.routing-rules': 'aa{sv}',
  'ipv4.ignore-auto-dns': 'b',
  'ipv4.routing-rules[].family': 'i',
  'ipv4.routing-rules[].priority': 'u',
  'ipv4.routing-rules[].invert': 'b',
  'ipv4.routing-rules[].from': 's',
  'ipv4.routing-rules[].from-len': 'y',
  'ipv4.routing-rules[].to': 's',
  'ipv4.routing-rules[].to-len': 'y',
  'ipv4.routing-rules[].iifname': 's',
  'ipv4.routing-rules[].oifname': 's',
  'ipv4.routing-rules[].table': 'u',
  'ipv4.routing-rules[].action': 'y',
  'ipv4.routing-rules[].fwmark': 'u',
  'ipv4.routing-rules[].fwmask': 'u',
  'ipv4.routing-rules[].tos': 'y',
  'ipv4.routing-rules[].ipproto': 'y',
  'ipv4.routing-rules[].sport-start': 'q',
  'ipv4.routing-rules[].sport-end': 'q',
  'ipv4.routing-rules[].dport-start': 'q',
  'ipv4.routing-rules[].dport-end': 'q',
  'ipv4.routing-rules[].uid-range-start': 'u',
  'ipv4.routing-rules[].uid-range-end': 'u',
  'ipv4.routing-rules[].suppress-prefixlength': 'i',
  'ipv6.routing-rules': 'aa{sv}',
  'ipv6.ignore-auto-dns': 'b',
  'ipv6.routing-rules[].family': 'i',
  'ipv6.routing-rules[].priority': 'u',
  'ipv6.routing-rules[].invert': 'b',
  'ipv6.routing-rules[].from': 's',
  'ipv6.routing-rules[].from-len': 'y',
  'ipv6.routing-rules[].to': 's',
  'ipv6.routing-rules[].to-len': 'y',
  'ipv6.routing-rules[].iifname': 's',
  'ipv6.routing-rules[].oifname': 's',
  'ipv6.routing-rules[].table': 'u',
  'ipv6.routing-rules[].action': 'y',
  'ipv6.routing-rules[].fwmark': 'u',
  'ipv6.routing-rules[].fwmask': 'u',
  'ipv6.routing-rules[].tos': 'y',
  'ipv6.routing-rules[].ipproto': 'y',
  'ipv6.routing-rules[].sport-start': 'q',
  'ipv6.routing-rules[].sport-end': 'q',
  'ipv6.routing-rules[].dport-start': 'q',
  'ipv6.routing-rules[].dport-end': 'q',
  'ipv6.routing-rules[].uid-range-start': 'u',
  'ipv6.routing-rules[].uid-range-end': 'u',
  'ipv6.routing-rules[].suppress-prefixlength': 'i',
  'connection.zone': 's',
  '802-3-ethernet.speed': 'u',
  '802-3-ethernet.duplex': 's',
  '802-3-ethernet.auto-negotiate': 'b',
};

/** The ethtool setting's properties: `feature-*` and `pause-*` are booleans, `ring-*` and `coalesce-*` uint32. */
function ethtoolSignature(key: string): string | undefined {
  const m = /^ethtool\.(feature|pause|ring|coalesce)-[a-z0-9_-]+$/.exec(key);
  if (!m) return undefined;
  return m[1] === 'feature' || m[1] === 'pause' ? 'b' : 'u';
}

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
    return this.sigs.get(key) ?? ethtoolSignature(key);
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
export function readSettings(
  raw: Raw,
  reg: SignatureRegistry,
): { settings: NmSettings; signatures: Record<string, string> } {
  const signatures: Record<string, string> = {};
  const settings = settingsFromDbus(raw, reg, signatures);
  return { settings, signatures };
}

/** One complete type of a D-Bus signature: `a{sv}` is `{type: 'a', child: [{type: '{', child: [s, v]}]}`. */
export interface SigNode {
  type: string;
  child: SigNode[];
}

const CLOSE: Record<string, string> = { '(': ')', '{': '}' };
const BASIC = new Set('ybnqiuxtdsogvh');

/**
 * The complete types of a D-Bus signature, as trees (the shape dbus-next's own lib/signature parser gives, which is
 * an internal module: test/unit/nm-variant-signature.test.ts compares the two). Throws on a malformed signature.
 *
 * @example
 *   parseSignature('aa{sv}')   // [{ type: 'a', child: [{ type: 'a', child: [{ type: '{', child: [s, v] }] }] }]
 */
export function parseSignature(sig: string): SigNode[] {
  let i = 0;
  const one = (): SigNode => {
    const c = sig[i++];
    if (c === undefined) throw new Error(`Bad signature "${sig}": unexpected end`);
    if (c === 'a') return { type: c, child: [one()] };
    if (c === '(' || c === '{') {
      const child: SigNode[] = [];
      while (sig[i] !== CLOSE[c]) child.push(one());
      i++;
      return { type: c, child };
    }
    if (!BASIC.has(c)) throw new Error(`Unknown type "${c}" in signature "${sig}"`);
    return { type: c, child: [] };
  };
  const out: SigNode[] = [];
  while (i < sig.length) out.push(one());
  return out;
}

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
        for (const [k, x] of Object.entries(value as Record<string, unknown>))
          out[k] = wrapNode(x, valNode, `${key}.${k}`, reg);
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
