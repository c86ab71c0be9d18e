import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtinModules, indexModules, loadOrder, missingModules, WANTED_MODULES } from '../harness/vm/modules';

describe('the VM kernel modules', () => {
  it('include the bonding driver (a team converted to a bond runs on it)', () => {
    expect(WANTED_MODULES).toContain('bonding');
  });

  it('a prepared kernel whose module list lacks a wanted one is found out (then prepared again), whatever its - or _', () => {
    expect(missingModules(['team', 'veth'], ['team', 'veth', 'bonding'])).toEqual(['bonding']);
    expect(missingModules(['team-mode-activebackup', 'bonding'], ['team_mode_activebackup', 'bonding'])).toEqual([]);
  });

  it("Debian 13's kernel: .ko.xz modules are indexed, and a module built into the kernel is not loaded", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-mods-'));
    try {
      fs.mkdirSync(path.join(dir, 'net'));
      for (const f of ['net/9p.ko.xz', 'net/9pnet.ko.xz', 'net/9pnet_virtio.ko']) {
        fs.writeFileSync(path.join(dir, f), '');
      }
      const index = indexModules(dir);
      expect([...index.keys()].sort()).toEqual(['9p', '9pnet', '9pnet_virtio']);
      // What each one's .modinfo says it depends on (a stand-in for reading the unpacked module).
      const deps: Record<string, string> = { '9p': '9pnet', '9pnet': '', '9pnet_virtio': '9pnet,virtio_pci' };
      const name = (p: string): string => path.basename(p).replace(/\.ko(\.xz)?$/, '');
      const readKo = (p: string): Buffer => Buffer.from(`\0depends=${deps[name(p)]}\0`);
      const builtin = builtinModules('kernel/drivers/virtio/virtio_pci.ko\nkernel/fs/ext4/ext4.ko\n');
      expect([...builtin].sort()).toEqual(['ext4', 'virtio_pci']);
      expect(loadOrder(['9pnet_virtio', '9p'], index, readKo, builtin)).toEqual(['9pnet', '9pnet_virtio', '9p']);
      expect(() => loadOrder(['9pnet_virtio'], index, readKo)).toThrow(/kernel module virtio_pci not found/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
