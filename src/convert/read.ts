/**
 * The I/O half of `convert`: reading the os-net-config file and the ifcfg
 * directory. Mapping is pure and lives next door.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { convertIfcfg, type IfcfgOptions, type IfcfgResult } from './ifcfg';
import { isIfcfgName } from './ifcfg-parse';

/** Larger than any network config; keeps a typo like /dev/sda harmless. */
const MAX_BYTES = 4 * 1024 * 1024;

/** A file's text, or stdin for `-`. */
export async function readText(file: string, stdin: () => Promise<string> = readStdin): Promise<string> {
  if (file === '-') return stdin();
  const info = await stat(file);
  if (info.isDirectory()) throw new Error(`${file} is a directory`);
  if (info.size > MAX_BYTES) throw new Error(`${file} is ${info.size} bytes, too large for a network config`);
  return readFile(file, 'utf8');
}

/**
 * The ifcfg-*, route-*, route6-*, rule-* and rule6-* files of a network-scripts directory, by
 * file name. Backups (ifcfg-x.bak, ifcfg-x~, .rpmsave...) are skipped as
 * initscripts and NetworkManager skip them.
 *
 * @example await readIfcfgDir('/etc/sysconfig/network-scripts') // { 'ifcfg-bond0': 'DEVICE=bond0\n...', ... }
 */
export async function readIfcfgDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    if (!isIfcfgName(name) && !/^(route|rule)6?-[^/.]+$/.test(name)) continue;
    const file = path.join(dir, name);
    if ((await stat(file)).isFile()) out[name] = await readText(file);
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * convertIfcfg over a directory: the I/O wrapper of the pure mapping.
 *
 * @example const { yaml, issues } = await convertIfcfgDir('/etc/sysconfig/network-scripts')
 */
export async function convertIfcfgDir(dir: string, opts: IfcfgOptions = {}): Promise<IfcfgResult> {
  return convertIfcfg(await readIfcfgDir(dir), opts);
}
