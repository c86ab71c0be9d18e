/**
 * Kernel modules for the VM's initramfs. The host has no kmod/depmod for the
 * guest's kernel, so the load order is computed here from each module's own
 * `.modinfo` section (`depends=a,b`): dependencies first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What the guest needs: virtio + 9p for the host root, overlayfs, the team driver and every runner, veth,
 * bridge, and the bonding driver (a team converted to a bond: `convert --to-bond --apply`).
 */
export const WANTED_MODULES = [
  'virtio_pci',
  '9pnet_virtio',
  '9p',
  'overlay',
  'team',
  'team_mode_activebackup',
  'team_mode_loadbalance',
  'team_mode_roundrobin',
  'team_mode_broadcast',
  'team_mode_random',
  'veth',
  'bridge',
  'bonding',
];

/** Names of the modules built into a kernel, from its modules.builtin (`kernel/drivers/virtio/virtio_pci.ko` lines). */
export function builtinModules(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => canon(path.basename(l).replace(/\.ko(\.xz)?$/, ''))),
  );
}

/** The wanted modules a prepared kernel's module list lacks (a cache made before one was added). */
export function missingModules(prepared: readonly string[], wanted: readonly string[] = WANTED_MODULES): string[] {
  const have = new Set(prepared.map(canon));
  return wanted.map(canon).filter((m) => !have.has(m));
}

/** Module names use `_` and `-` interchangeably; the kernel treats them alike. */
const canon = (name: string): string => name.replace(/-/g, '_');

/**
 * name → path of every `.ko` (or `.ko.xz`, as Debian 13 ships them) under `dir` (a kernel's
 * lib/modules/RELEASE/kernel).
 */
export function indexModules(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ko(\.xz)?$/.test(e.name)) out.set(canon(e.name.replace(/\.ko(\.xz)?$/, '')), p);
    }
  };
  walk(dir);
  return out;
}

/** The `depends=` entry of a module's .modinfo (NUL-separated key=value strings). */
export function moduleDepends(ko: Buffer): string[] {
  const at = ko.indexOf('\0depends=');
  if (at < 0) return [];
  const start = at + '\0depends='.length;
  const end = ko.indexOf(0, start);
  const value = ko.subarray(start, end < 0 ? undefined : end).toString('latin1');
  return value
    .split(',')
    .map((s) => canon(s.trim()))
    .filter(Boolean);
}

/**
 * The wanted modules and everything they depend on, in load order.
 *
 * @example
 *   loadOrder(['9p'], index)   // ['netfs', 'fscache', '9pnet', '9p'] (dependencies first)
 */
export function loadOrder(
  wanted: string[],
  index: Map<string, string>,
  readKo: (p: string) => Buffer = (p) => fs.readFileSync(p),
  builtin: ReadonlySet<string> = new Set(),
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    const n = canon(name);
    // Built into the kernel (Debian 13: virtio_pci): nothing to load.
    if (state.get(n) === 'done' || builtin.has(n)) return;
    if (state.get(n) === 'visiting') throw new Error(`module dependency cycle: ${[...chain, n].join(' -> ')}`);
    const file = index.get(n);
    if (!file) throw new Error(`kernel module ${n} not found (needed by ${chain.join(' -> ') || 'the VM'})`);
    state.set(n, 'visiting');
    for (const dep of moduleDepends(readKo(file)).sort()) visit(dep, [...chain, n]);
    state.set(n, 'done');
    order.push(n);
  };
  for (const w of wanted) visit(w, []);
  return order;
}
