/**
 * Prepare the team VM once: Debian's kernel package is downloaded (never
 * installed), its kernel and the few modules the guest needs are kept in a
 * cache folder outside the repository, keyed by the package's name and version,
 * and an initramfs (static busybox, the modules, test/harness/vm/guest/init.sh) is packed
 * next to them. A second prepare with the same kernel and init does nothing.
 *
 * Layout: $NMTEAM_VM_CACHE (default /var/cache/nmteam-vm)/
 *   linux-image-6.1.0-56-amd64_6.1.192-2/
 *     manifest.json  vmlinux (uncompressed, boots faster under TCG)  vmlinuz  modules/*.ko
 *     initramfs-<hash of init, modules, busybox>.cpio.gz
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { run } from '../sandbox/proc';
import { repoRoot } from '../sandbox/cli';
import { builtinModules, indexModules, loadOrder, missingModules, WANTED_MODULES } from './modules';

export const DEFAULT_CACHE = '/var/cache/nmteam-vm';
export const BUSYBOX = '/bin/busybox';

export interface VmImage {
  /** Cache folder of this kernel. */
  dir: string;
  /** Kernel to boot: the extracted vmlinux, or the bzImage if extraction failed. */
  kernel: string;
  initrd: string;
  /** e.g. linux-image-6.1.0-56-amd64 6.1.192-2 */
  kernelPackage: string;
  kernelVersion: string;
  /** What this call did (for timings): nothing, or downloaded/packed. */
  did: string[];
  ms: number;
}

interface Manifest {
  package: string;
  version: string;
  release: string;
  modules: string[];
  kernel: string;
  /** Wanted modules built into this kernel (Debian 13: virtio_pci). */
  builtin?: string[];
}

export function cacheRoot(): string {
  return path.resolve(process.env.NMTEAM_VM_CACHE || DEFAULT_CACHE);
}

const safeKey = (s: string): string => s.replace(/[^A-Za-z0-9.+_-]/g, '_');

/** The kernel package linux-image-amd64 points at, with its version; undefined when apt does not know it. */
async function aptKernel(apt: string[] = []): Promise<{ pkg: string; version: string } | undefined> {
  const deps = await run('apt-cache', [...apt, 'depends', 'linux-image-amd64'], { timeoutMs: 60_000 }).catch(
    () => undefined,
  );
  const pkg = /Depends: (linux-image-[0-9][^\s]*)/.exec(deps?.stdout ?? '')?.[1];
  if (!pkg) return undefined;
  const show = await run('apt-cache', [...apt, 'show', '--no-all-versions', pkg], { timeoutMs: 60_000 });
  const version = /^Version: (\S+)/m.exec(show.stdout)?.[1];
  return version ? { pkg, version } : undefined;
}

/** A prepared kernel with every module the VM now wants; undefined otherwise (then it is prepared again). */
async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const have = [...m.modules, ...(m.builtin ?? [])];
    const ok = fs.existsSync(path.join(dir, m.kernel)) && missingModules(have).length === 0;
    return ok ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Offline fallback: the most recently prepared kernel in the cache. */
async function newestCached(root: string): Promise<string | undefined> {
  const names = await fsp.readdir(root).catch(() => [] as string[]);
  const found: { dir: string; mtime: number }[] = [];
  for (const n of names.filter((x) => x.startsWith('linux-image-'))) {
    const dir = path.join(root, n);
    if (await readManifest(dir)) found.push({ dir, mtime: (await fsp.stat(path.join(dir, 'manifest.json'))).mtimeMs });
  }
  return found.sort((a, b) => b.mtime - a.mtime)[0]?.dir;
}

async function must(cmd: string, args: string[], cwd?: string): Promise<void> {
  const r = await run(cmd, args, { cwd, timeoutMs: 600_000 });
  if (r.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
}

/** Decompress the XZ payload of a bzImage into an ELF vmlinux (QEMU boots it through PVH). */
async function extractVmlinux(vmlinuz: string, out: string): Promise<boolean> {
  const data = await fsp.readFile(vmlinuz);
  const at = data.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  if (at < 0) return false;
  const ok = await new Promise<boolean>((resolve) => {
    const xz = spawn('xz', ['-dc', '--single-stream'], { stdio: ['pipe', fs.openSync(out, 'w'), 'ignore'] });
    xz.on('error', () => resolve(false));
    xz.on('close', (code) => resolve(code === 0));
    xz.stdin!.on('error', () => undefined);
    xz.stdin!.end(data.subarray(at));
  });
  const head = ok ? (await fsp.readFile(out)).subarray(0, 4) : Buffer.alloc(0);
  if (ok && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return true;
  await fsp.rm(out, { force: true });
  return false;
}

/** Download the kernel package and keep what the VM needs in `dir`. */
async function fetchKernel(root: string, pkg: string, version: string, dir: string, apt: string[] = []): Promise<void> {
  const tmp = await fsp.mkdtemp(path.join(root, '.tmp-'));
  try {
    await must('apt-get', [...apt, 'download', `${pkg}=${version}`], tmp);
    const deb = (await fsp.readdir(tmp)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} produced no .deb`);
    const x = path.join(tmp, 'x');
    await must('dpkg-deb', ['-x', path.join(tmp, deb), x]);
    const release = pkg.replace(/^linux-image-/, '');
    const stage = path.join(tmp, 'stage');
    await fsp.mkdir(path.join(stage, 'modules'), { recursive: true });
    // Debian 12 puts modules in /lib/modules, Debian 13 in /usr/lib/modules and xz-compressed (busybox insmod
    // cannot unpack them: they are unpacked here).
    const modDir = ['lib/modules', 'usr/lib/modules']
      .map((d) => path.join(x, d, release, 'kernel'))
      .find((d) => fs.existsSync(d));
    if (!modDir) throw new Error(`${pkg} has no lib/modules/${release}/kernel`);
    const index = indexModules(modDir);
    const readKo = (p: string): Buffer =>
      p.endsWith('.xz') ? execFileSync('xz', ['-dc', p], { maxBuffer: 256 << 20 }) : fs.readFileSync(p);
    const builtinText = await fsp.readFile(path.join(modDir, '..', 'modules.builtin'), 'utf8').catch(() => '');
    const inKernel = builtinModules(builtinText);
    const modules = loadOrder(WANTED_MODULES, index, readKo, inKernel);
    const builtin = WANTED_MODULES.map((m) => m.replace(/-/g, '_')).filter((m) => inKernel.has(m));
    for (const m of modules) await fsp.writeFile(path.join(stage, 'modules', `${m}.ko`), readKo(index.get(m)!));
    await fsp.copyFile(path.join(x, 'boot', `vmlinuz-${release}`), path.join(stage, 'vmlinuz'));
    const kernel = (await extractVmlinux(path.join(stage, 'vmlinuz'), path.join(stage, 'vmlinux')))
      ? 'vmlinux'
      : 'vmlinuz';
    const manifest: Manifest = { package: pkg, version, release, modules, kernel };
    if (builtin.length) manifest.builtin = builtin;
    await fsp.writeFile(path.join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.rename(stage, dir); // atomic: a half-prepared kernel is never seen
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/** Which Debian's kernel: the one the host's apt knows (Debian 12 here), or Debian 13's (trixie). */
export type KernelSuite = 'host' | 'trixie';

/**
 * apt options that read `suite`'s package lists from Debian's archive into `root`/apt (never the host's own
 * lists or sources), after an `apt-get update` of those alone. For `apt-cache`/`apt-get download` only.
 */
async function suiteApt(root: string, suite: Exclude<KernelSuite, 'host'>): Promise<string[]> {
  const dir = path.join(root, 'apt');
  for (const d of ['lists/partial', 'archives/partial']) await fsp.mkdir(path.join(dir, d), { recursive: true });
  const mirror = process.env.NMTEAM_NM_MIRROR || 'http://deb.debian.org/debian';
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  await fsp.writeFile(path.join(dir, 'sources.list'), `deb [signed-by=${keyring}] ${mirror} ${suite} main\n`);
  const opts = [
    '-o',
    `Dir::Etc::SourceList=${path.join(dir, 'sources.list')}`,
    '-o',
    'Dir::Etc::SourceParts=-',
    '-o',
    `Dir::State::Lists=${path.join(dir, 'lists')}`,
    '-o',
    `Dir::Cache::Archives=${path.join(dir, 'archives')}`,
    '-o',
    `Dir::Cache::pkgcache=${path.join(dir, 'pkgcache.bin')}`,
    '-o',
    `Dir::Cache::srcpkgcache=${path.join(dir, 'srcpkgcache.bin')}`,
  ];
  await must('apt-get', [...opts, 'update', '-qq']);
  return opts;
}

/** Is this ELF file statically linked (no PT_INTERP program header)? */
export function isStaticElf(file: string): boolean {
  let b: Buffer;
  try {
    b = fs.readFileSync(file);
  } catch {
    return false;
  }
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return false;
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

/** Every path under `dir`, directories before their contents, relative ("." first), for cpio. */
function listTree(dir: string, rel = '.'): string[] {
  const out = [rel];
  for (const e of fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...listTree(dir, r));
    else out.push(r);
  }
  return out;
}

async function packInitramfs(dir: string, manifest: Manifest, initText: string, out: string): Promise<void> {
  const tree = await fsp.mkdtemp(path.join(dir, '.initramfs-'));
  try {
    for (const d of ['bin', 'dev', 'proc', 'sys', 'lower', 'rw', 'newroot', 'lib/modules'])
      await fsp.mkdir(path.join(tree, d), { recursive: true });
    await fsp.copyFile(BUSYBOX, path.join(tree, 'bin/busybox'));
    await fsp.chmod(path.join(tree, 'bin/busybox'), 0o755);
    for (const m of manifest.modules)
      await fsp.copyFile(path.join(dir, 'modules', `${m}.ko`), path.join(tree, 'lib/modules', `${m}.ko`));
    await fsp.writeFile(path.join(tree, 'lib/modules/order'), manifest.modules.join('\n') + '\n');
    await fsp.writeFile(path.join(tree, 'init'), initText, { mode: 0o755 });
    const cpio = await new Promise<Buffer>((resolve, reject) => {
      const p = spawn('cpio', ['-o', '-H', 'newc', '--quiet', '-R', '0:0'], {
        cwd: tree,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const chunks: Buffer[] = [];
      let err = '';
      p.stdout.on('data', (c: Buffer) => chunks.push(c));
      p.stderr.on('data', (c: Buffer) => (err += c.toString()));
      p.on('error', (e) => reject(new Error(`cannot run cpio: ${e.message} (run scripts/vm-setup.sh)`)));
      p.on('close', (code) =>
        code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`cpio failed: ${err.trim()}`)),
      );
      p.stdin.end(listTree(tree).join('\n') + '\n');
    });
    const tmp = `${out}.tmp-${process.pid}`;
    await fsp.writeFile(tmp, await promisify(gzip)(cpio, { level: 1 }));
    await fsp.rename(tmp, out);
  } finally {
    await fsp.rm(tree, { recursive: true, force: true });
  }
}

export function guestFile(name: 'init.sh' | 'stage2.sh'): string {
  return path.join(repoRoot(), 'test', 'harness', 'vm', 'guest', name);
}

/**
 * Make sure a kernel and an initramfs are in the cache; download and pack only what is missing.
 *
 * @example
 *   const image = await prepareVm()   // first run ~15 s (download 70 MB, unpack), then ~0 s
 */
export async function prepareVm(
  opts: { root?: string; log?: (s: string) => void; suite?: KernelSuite } = {},
): Promise<VmImage> {
  const t0 = Date.now();
  const suite = opts.suite ?? 'host';
  // Debian 13's kernel has a cache folder of its own, so the host's offline fallback never picks it.
  const root = path.join(opts.root ?? cacheRoot(), suite === 'host' ? '' : suite);
  const did: string[] = [];
  await fsp.mkdir(root, { recursive: true });
  let aptOpts: string[] = [];
  if (suite !== 'host') {
    if (await newestCached(root))
      aptOpts = []; // a kernel of that suite is cached: use it, no archive needed
    else {
      aptOpts = await suiteApt(root, suite);
      did.push(`read Debian ${suite}'s package lists`);
    }
  }
  const apt = suite === 'host' || aptOpts.length ? await aptKernel(aptOpts) : undefined;
  let dir: string | undefined;
  if (apt) {
    dir = path.join(root, safeKey(`${apt.pkg}_${apt.version}`));
    if (!(await readManifest(dir))) {
      opts.log?.(`nmteam-vm: downloading ${apt.pkg} ${apt.version} into ${root}\n`);
      await fetchKernel(root, apt.pkg, apt.version, dir, aptOpts);
      did.push(`downloaded ${apt.pkg} ${apt.version}`);
    }
  } else {
    dir = await newestCached(root);
    const which = suite === 'host' ? 'apt' : `apt (Debian ${suite})`;
    if (!dir)
      throw new Error(
        `${which} does not know linux-image-amd64 and no kernel with the modules the VM needs (${WANTED_MODULES.join(', ')}) is cached: run scripts/vm-setup.sh (it runs apt-get update)`,
      );
  }
  const manifest = (await readManifest(dir))!;
  if (!isStaticElf(BUSYBOX))
    throw new Error(`${BUSYBOX} is missing or not statically linked: run scripts/vm-setup.sh (busybox-static)`);
  const initText = await fsp.readFile(guestFile('init.sh'), 'utf8');
  const hash = createHash('sha256')
    .update(initText)
    .update(manifest.modules.join(','))
    .update(await fsp.readFile(BUSYBOX))
    .digest('hex')
    .slice(0, 12);
  const initrd = path.join(dir, `initramfs-${hash}.cpio.gz`);
  if (!fs.existsSync(initrd)) {
    await packInitramfs(dir, manifest, initText, initrd);
    did.push('packed the initramfs');
    // Older initramfs builds of this kernel (another init.sh or busybox) are dead weight now.
    for (const f of await fsp.readdir(dir)) {
      if (/^initramfs-[0-9a-f]+\.cpio\.gz$/.test(f) && path.join(dir, f) !== initrd)
        await fsp.rm(path.join(dir, f), { force: true });
    }
  }
  return {
    dir,
    kernel: path.join(dir, manifest.kernel),
    initrd,
    kernelPackage: manifest.package,
    kernelVersion: manifest.version,
    did,
    ms: Date.now() - t0,
  };
}
