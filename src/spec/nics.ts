/**
 * os-net-config's `nicN` aliases, as pure functions.
 *
 * os-net-config numbers the active physical NICs (utils._ordered_nics: the
 * embedded ones — names starting `em`, `eth`, `eno` — first, each group in
 * natural order) as nic1, nic2, ...; a mapping file (`-m`, default
 * /etc/os-net-config/mapping.yaml) can pin aliases to names or MACs
 * (objects.mapped_nics). Everything here is I/O-free so the loader decides
 * when to ask NetworkManager for devices.
 */
import { ReconcileError } from '../core/errors';
import { yaml } from '../util/lazy-yaml';
import { Locator, formatPath, type Seg } from './locate';
import { MAPPING_FILE_KEYS, checkKeys, describe, ifnameProblem, isObj, type Reporter } from './schema';

/** A network device as the loader sees it. */
export interface NicDevice {
  name: string;
  mac?: string;
  /** Link is up (os-net-config checks operstate `up`). */
  carrier: boolean;
  /** A real NIC: has a device, is not a VF, not a virtual interface. */
  physical: boolean;
}

export const NIC_ALIAS = /^nic[0-9]+$/;
const MAC = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;

/** `12-34-56-AB-CD-EF` → `12:34:56:ab:cd:ef`; undefined when not a MAC. */
export function normalizeMac(text: string): string | undefined {
  return MAC.test(text) ? text.toLowerCase().replace(/-/g, ':') : undefined;
}

/**
 * Reads os-net-config's mapping file.
 *
 * ```yaml
 * interface_mapping:
 *   nic1: em1
 *   nic2: 'aa:bb:cc:dd:ee:ff'   # a MAC: resolved to the NIC that has it
 *   provision: em3              # any alias works, not only nicN
 * ```
 * An empty file or `interface_mapping:` with no entries is an empty mapping.
 * MAC values come back normalized (lower case, `:`).
 */
export function parseNicMapping(
  text: string,
  file?: string,
): { ok: true; map: Record<string, string> } | { ok: false; errors: ReconcileError[] } {
  const errors: ReconcileError[] = [];
  try {
    const { LineCounter, parseDocument } = yaml();
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    for (const e of doc.errors) {
      const { line, col } = lines.linePos(e.pos[0]);
      errors.push(new ReconcileError('YAML_SYNTAX', e.message, undefined, { line, col }, file));
    }
    if (errors.length > 0) return { ok: false, errors };
    const where = new Locator(doc, lines, text);
    const r: Reporter = {
      report: (code, path, message, opts) =>
        errors.push(
          new ReconcileError(
            code,
            message,
            formatPath(path) || undefined,
            opts?.loc ?? where.loc(path, opts?.target),
            file,
          ),
        ),
      warn: (code, path, message, o) =>
        errors.push(new ReconcileError(code, message, formatPath(path) || undefined, where.loc(path, o?.target), file)),
      locInString: (path, i) => where.locInString(path, i),
    };
    const map = readMapping(r, doc.toJS({ maxAliasCount: 100 }));
    return errors.length > 0 ? { ok: false, errors } : { ok: true, map };
  } catch (e) {
    const message = `cannot read the mapping file: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, errors: [...errors, new ReconcileError('SPEC_INVALID', message, undefined, undefined, file)] };
  }
}

function readMapping(r: Reporter, root: unknown): Record<string, string> {
  const map: Record<string, string> = Object.create(null);
  if (root === null || root === undefined) return map;
  if (!isObj(root)) {
    r.report('SPEC_INVALID', [], `the mapping file must be a mapping with 'interface_mapping', got ${describe(root)}`);
    return map;
  }
  checkKeys(r, root, [], MAPPING_FILE_KEYS);
  const m = root.interface_mapping;
  if (m === null || m === undefined) return map;
  if (!isObj(m)) {
    r.report('SPEC_INVALID', ['interface_mapping'], `must be a mapping of alias: name-or-MAC, got ${describe(m)}`);
    return map;
  }
  const seen = new Map<string, Seg[]>();
  for (const [alias, v] of Object.entries(m)) {
    const at = ['interface_mapping', alias];
    const value = typeof v === 'string' ? (normalizeMac(v) ?? v) : undefined;
    const problem =
      value === undefined
        ? `must be an interface name or MAC, got ${describe(v)}`
        : MAC.test(value)
          ? undefined
          : ifnameProblem(value);
    if (problem || value === undefined) {
      r.report(value === undefined ? 'SPEC_INVALID' : 'BAD_IFNAME', at, problem ?? 'invalid');
      continue;
    }
    const first = seen.get(value);
    // os-net-config refuses a device mapped twice ("check mapping file for duplicates").
    if (first) r.report('SPEC_INVALID', at, `${value} is already mapped by ${formatPath(first)}`);
    seen.set(value, at);
    map[alias] = value;
  }
  return map;
}

const EMBEDDED = /^(em|eth|eno)/;

/**
 * os-net-config's NIC order: active physical NICs, embedded ones (em*, eth*,
 * eno*) first, each group in natural order (`eth2` before `eth10`).
 */
export function orderActiveNics(devices: readonly NicDevice[]): string[] {
  const active = devices.filter((d) => d.physical && d.carrier && d.name !== 'lo').map((d) => d.name);
  const unique = [...new Set(active)];
  const embedded = unique.filter((n) => EMBEDDED.test(n)).sort(naturalCompare);
  const rest = unique.filter((n) => !EMBEDDED.test(n)).sort(naturalCompare);
  return [...embedded, ...rest];
}

/** Python's `sorted(key=_natural_sort_key)`: digit runs compare as numbers, the rest by code point. */
export function naturalCompare(a: string, b: string): number {
  const pa = a.split(/([0-9]+)/);
  const pb = b.split(/([0-9]+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    // split() with a capture group puts digit runs at odd indexes.
    const c = i % 2 === 1 ? cmpBig(pa[i], pb[i]) : cmp(pa[i], pb[i]);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpBig(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * Alias → interface name, like os-net-config's mapped_nics(): mapping-file
 * entries first (MACs translated through `macToName`; a MAC no device has is
 * dropped, as os-net-config does), then `nicN` for the N-th active NIC unless
 * that NIC or that alias is already taken by the mapping file.
 */
export function buildNicMap(
  ordered: readonly string[],
  mapping: Record<string, string> = {},
  macToName: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const byMac = new Map(Object.entries(macToName).map(([mac, name]) => [normalizeMac(mac) ?? mac, name]));
  for (const [alias, target] of Object.entries(mapping)) {
    const mac = normalizeMac(target);
    const name = mac === undefined ? target : byMac.get(mac);
    if (name !== undefined) out[alias] = name;
  }
  const taken = new Set(Object.values(out));
  ordered.forEach((name, i) => {
    const alias = `nic${i + 1}`;
    if (!taken.has(name) && !(alias in out)) out[alias] = name;
  });
  return out;
}

/**
 * The name a member really has: a mapping alias resolves (os-net-config
 * resolves any alias, not only nicN); an unmapped `nicN` is unknown; anything
 * else is taken literally.
 */
export function resolveNicName(written: string, nics: Record<string, string>): string | undefined {
  if (Object.prototype.hasOwnProperty.call(nics, written)) return nics[written];
  return NIC_ALIAS.test(written) ? undefined : written;
}

/**
 * Whether the document may mention a `nicN` alias, so the loader only asks
 * NetworkManager for devices when it must. A cheap over-approximation on the
 * raw text: a comment mentioning nic1 costs one needless device listing.
 */
export function usesNicNames(text: string): boolean {
  return /(?<![A-Za-z0-9_])nic[0-9]+(?![A-Za-z0-9_])/.test(text);
}
