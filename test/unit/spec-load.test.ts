import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec } from '../../src/spec/load';
import { ReconcileError } from '../../src/core/errors';
import type { NicDevice } from '../../src/spec/nics';

const FIX = join(__dirname, '../fixtures/spec');
const fx = (name: string): string => join(FIX, name);

const devices: NicDevice[] = [
  { name: 'em1', mac: '52:54:00:00:00:01', carrier: true, physical: true },
  { name: 'em2', mac: '52:54:00:00:00:02', carrier: true, physical: true },
  { name: 'em3', mac: '52:54:00:00:00:03', carrier: true, physical: true },
  { name: 'p1p1', mac: '12:34:56:DE:F0:12', carrier: false, physical: true },
  { name: 'team0', mac: '52:54:00:00:00:01', carrier: true, physical: false },
];

describe('loadSpec', () => {
  it('numbers active NICs for nicN names', async () => {
    const listNics = jest.fn(async () => devices);
    const res = await loadSpec(fx('onc-team.yaml'), { listNics });
    expect(res.ok && res.spec.teams[0].ports.map((p) => p.name)).toEqual(['em2', 'em3']);
    expect(res.ok && res.spec.file).toBe(fx('onc-team.yaml'));
    expect(listNics).toHaveBeenCalledTimes(1);
  });

  it('applies a mapping file, turning a MAC into the NIC that has it', async () => {
    // mapping.yaml: nic1: em3, nic2: em1, nic3: 12:34:56:de:f0:12 (p1p1, link down but physical)
    const res = await loadSpec(fx('onc-team.yaml'), { mappingFile: fx('mapping.yaml'), listNics: async () => devices });
    expect(res.ok && res.spec.teams[0].ports.map((p) => p.name)).toEqual(['em1', 'p1p1']);
  });

  it('does not ask for devices when the spec has no nicN names', async () => {
    const listNics = jest.fn(async () => devices);
    const res = await loadSpec(fx('no-nics.yaml'), { listNics });
    expect(res.ok).toBe(true);
    expect(listNics).not.toHaveBeenCalled();
  });

  it('asks for devices when only the mapping file needs a MAC resolved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nmteam-spec-'));
    writeFileSync(join(dir, 'map.yaml'), 'interface_mapping: {provision: "12:34:56:de:f0:12"}\n');
    writeFileSync(
      join(dir, 'net.yaml'),
      'network_config: [{type: team, name: t0, members: [{type: interface, name: provision}]}]\n',
    );
    const listNics = jest.fn(async () => devices);
    const res = await loadSpec(join(dir, 'net.yaml'), { mappingFile: join(dir, 'map.yaml'), listNics });
    expect(res.ok && res.spec.teams[0].ports[0].name).toBe('p1p1');
    expect(listNics).toHaveBeenCalledTimes(1);
  });

  it('reads - from stdin and names it <stdin>', async () => {
    const res = await loadSpec('-', { readStdin: async () => 'network_config: [{type: team, name: t0, foo: 1}]\n' });
    expect(!res.ok && res.errors.map((e) => [e.code, e.file, e.path])).toEqual([
      ['UNKNOWN_KEY', '<stdin>', 'network_config[0].foo'],
    ]);
  });

  it.each([
    ['a missing spec', () => loadSpec(join(FIX, 'nope.yaml')), join(FIX, 'nope.yaml')],
    ['a directory', () => loadSpec(FIX), FIX],
    [
      'a missing mapping file',
      () => loadSpec(fx('no-nics.yaml'), { mappingFile: join(FIX, 'nomap.yaml') }),
      join(FIX, 'nomap.yaml'),
    ],
  ])('reports FILE_READ for %s', async (_n, load, file) => {
    const res = await load();
    expect(!res.ok && res.errors.map((e) => [e.code, e.file])).toEqual([['FILE_READ', file]]);
  });

  it('refuses an endless non-regular file (/dev/zero) after the size limit instead of reading it all', async () => {
    const res = await loadSpec('/dev/zero');
    expect(!res.ok && res.errors.map((e) => [e.code, e.file, e.message])).toEqual([
      ['FILE_READ', '/dev/zero', 'cannot read /dev/zero: input too large for a spec'],
    ]);
  });

  it('reads a spec from a pipe, as <(generate-spec) hands it over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nmteam-spec-'));
    const fifo = join(dir, 'spec.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat "$1" > "$2"`, 'sh', fx('no-nics.yaml'), fifo]);
    const written = new Promise((r) => writer.on('exit', r));
    const res = await loadSpec(fifo);
    await written;
    const direct = await loadSpec(fx('no-nics.yaml'));
    expect(res.ok && direct.ok).toBe(true);
    expect(res.ok && { ...res.spec, file: fifo }).toEqual(direct.ok && { ...direct.spec, file: fifo });
  });

  it('returns mapping-file and spec errors together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nmteam-spec-'));
    writeFileSync(join(dir, 'map.yaml'), 'interface_mapping: {nic1: 5}\n');
    const res = await loadSpec(fx('many-errors.yaml'), { mappingFile: join(dir, 'map.yaml') });
    const files = !res.ok ? new Set(res.errors.map((e) => e.file)) : new Set();
    expect(files).toEqual(new Set([join(dir, 'map.yaml'), fx('many-errors.yaml')]));
  });

  it('passes on a device-listing failure and still reports unresolved names', async () => {
    const listNics = async (): Promise<NicDevice[]> => {
      throw new ReconcileError('NM_UNAVAILABLE', 'no bus');
    };
    const res = await loadSpec(fx('onc-team.yaml'), { listNics });
    expect(!res.ok && res.errors.map((e) => e.code)).toEqual(['NM_UNAVAILABLE', 'UNKNOWN_NIC', 'UNKNOWN_NIC']);
  });

  it('wraps a non-ReconcileError listing failure as NM_ERROR', async () => {
    const res = await loadSpec(fx('onc-team.yaml'), { listNics: () => Promise.reject(new Error('boom')) });
    expect(!res.ok && res.errors[0].code).toBe('NM_ERROR');
  });
});

describe('loadSpec on a named pipe', () => {
  const SPEC = 'network_config:\n  - {type: team, name: team0, members: [{type: interface, name: eth0}]}\n';
  const fifo = (): string => {
    const f = join(mkdtempSync(join(tmpdir(), 'nmteam-fifo-')), 'teams.yaml');
    execFileSync('mkfifo', [f]);
    return f;
  };

  it('reads what a writer sends', async () => {
    const f = fifo();
    const writer = spawn('sh', ['-c', `printf '%s' "$1" > "$2"`, 'sh', SPEC, f]);
    const res = await loadSpec(f);
    await new Promise((r) => writer.on('exit', r));
    expect(res.ok && res.spec.teams.map((t) => t.name)).toEqual(['team0']);
  }, 20_000);

  it('reads what a concurrent writer sends, 100 times over (reader first, writer first, in pieces)', async () => {
    const half = SPEC.length >> 1;
    const failures: string[] = [];
    for (let i = 0; i < 100; i++) {
      const f = fifo();
      // An in-process writer: its open() waits for the reader in a pool thread, then it writes in one or two
      // pieces, a turn of the event loop apart. It starts before the reader, right after it, or a turn later.
      const write = async (): Promise<void> => {
        const w = await fsp.open(f, 'w');
        try {
          if (i % 2 === 0) await w.write(SPEC);
          else {
            await w.write(SPEC.slice(0, half));
            await new Promise((r) => setImmediate(r));
            await w.write(SPEC.slice(half));
          }
        } finally {
          await w.close();
        }
      };
      const order = i % 3;
      const writer = order === 0 ? write() : undefined;
      const reading = loadSpec(f);
      const written = writer ?? (order === 1 ? write() : new Promise<void>((r) => setImmediate(r)).then(write));
      const [res] = await Promise.all([reading, written]);
      const names = res.ok ? res.spec.teams.map((t) => t.name) : res.errors.map((e) => e.message);
      if (names.join() !== 'team0') failures.push(`round ${i}: ${names.join('; ')}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('with no writer, gives up promptly when aborted (FILE_READ), leaving nothing blocked', async () => {
    const f = fifo();
    const stop = new AbortController();
    const t0 = Date.now();
    setTimeout(() => stop.abort(), 100);
    const res = await loadSpec(f, { signal: stop.signal });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(res.ok ? [] : res.errors.map((e) => [e.code, e.message])).toEqual([
      ['FILE_READ', `cannot read ${f}: aborted`],
    ]);
  });

  it('with a writer that never writes, gives up when aborted', async () => {
    const f = fifo();
    // exec: the kill below reaches the sleeping process itself, and no orphan keeps the test worker's pipes open.
    const writer = spawn('sh', ['-c', `exec 3>"$1"; exec sleep 30`, 'sh', f], { stdio: 'ignore' });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const t0 = Date.now();
    const res = await loadSpec(f, { signal: stop.signal });
    writer.kill('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(res.ok).toBe(false);
  });
});
