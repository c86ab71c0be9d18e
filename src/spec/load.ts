/**
 * The I/O half of the spec reader: files, stdin, the NIC mapping file, and
 * the device list for nicN numbering. Parsing itself is parse.ts.
 */
import { constants, createReadStream, open } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import { ReconcileError } from '../core/errors';
import { MAX_SPEC_CHARS, parseSpec, type ParseResult } from './parse';
import { buildNicMap, normalizeMac, orderActiveNics, parseNicMapping, usesNicNames, type NicDevice } from './nics';

export interface LoadOptions {
  /** os-net-config's mapping file (`interface_mapping: {nic1: em1}`); none by default. */
  mappingFile?: string;
  /** Lists network devices (from NetworkManager); only called when the spec needs nicN numbering or MAC lookups. */
  listNics?: () => Promise<NicDevice[]>;
  /** Reads `-`; defaults to process.stdin. */
  readStdin?: () => Promise<string>;
  /** Gives up reading the desired-state file (a FIFO nobody writes to blocks until aborted): FILE_READ 'aborted'. */
  signal?: AbortSignal;
}

/**
 * Reads and parses a desired-state file (`-` reads stdin).
 *
 * ```ts
 * const res = await loadSpec('/etc/nmteam/net.yaml', { mappingFile: '/etc/os-net-config/mapping.yaml', listNics });
 * if (!res.ok) console.error(formatErrors(res.errors));
 * ```
 * Errors from the mapping file and the spec are returned together.
 */
export async function loadSpec(file: string, opts: LoadOptions = {}): Promise<ParseResult> {
  const read = await readSpecText(file, opts.readStdin, opts.signal);
  return read.ok ? loadSpecText(read.text, read.name, opts) : read;
}

/**
 * Reads a desired-state file (`-` reads stdin) without parsing it, with the same limits and
 * FILE_READ errors as loadSpec; `name` is what errors call it (`<stdin>` for `-`).
 */
export async function readSpecText(
  file: string,
  readStdin?: () => Promise<string>,
  signal?: AbortSignal,
): Promise<{ ok: true; text: string; name: string } | { ok: false; errors: ReconcileError[] }> {
  const errors: ReconcileError[] = [];
  const name = file === '-' ? '<stdin>' : file;
  const text = await readText(file, name, errors, readStdin, signal);
  return text === undefined ? { ok: false, errors } : { ok: true, text, name };
}

/** loadSpec for a text already read (readSpecText): the mapping file, nicN numbering, parsing. */
export async function loadSpecText(text: string, name: string, opts: LoadOptions = {}): Promise<ParseResult> {
  const errors: ReconcileError[] = [];
  let mapping: Record<string, string> = {};
  if (opts.mappingFile !== undefined) {
    const mapText = await readText(opts.mappingFile, opts.mappingFile, errors);
    const parsed = mapText === undefined ? undefined : parseNicMapping(mapText, opts.mappingFile);
    if (parsed?.ok) mapping = parsed.map;
    else if (parsed) errors.push(...parsed.errors);
  }

  // Devices are needed for nicN numbering and to turn mapped MACs into names; otherwise don't touch the bus.
  const needDevices = usesNicNames(text) || Object.values(mapping).some((v) => normalizeMac(v) !== undefined);
  const devices = needDevices && opts.listNics ? await listDevices(opts.listNics, errors) : [];
  const macToName: Record<string, string> = {};
  for (const d of devices) {
    const mac = d.mac === undefined ? undefined : normalizeMac(d.mac);
    if (mac !== undefined && d.physical && !(mac in macToName)) macToName[mac] = d.name;
  }
  const nics = buildNicMap(orderActiveNics(devices), mapping, macToName);

  const res = parseSpec(text, { file: name, nics });
  if (errors.length === 0) return res;
  return { ok: false, errors: [...errors, ...(res.ok ? [] : res.errors)] };
}

async function readText(
  file: string,
  name: string,
  errors: ReconcileError[],
  readStdin: () => Promise<string> = stdinText,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    if (file === '-') return await readStdin();
    const info = await stat(file);
    if (info.isDirectory()) throw new Error('is a directory');
    if (info.isFIFO()) return await fifoText(file, signal);
    // A spec is a few KiB; refusing huge regular files early keeps a mistyped path harmless.
    if (info.isFile() && info.size > MAX_SPEC_CHARS * 4)
      throw new Error(`file is ${info.size} bytes, too large for a spec`);
    // Read with the same limit as stdin: anything but a regular file (a pipe such as <(generate-spec), but also
    // /dev/sda or /dev/zero) has no size to check first, and a device is refused after a few MiB.
    return await boundedText(createReadStream(file));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    errors.push(
      new ReconcileError('FILE_READ', `cannot read ${name}: ${why}`, undefined, undefined, name, { cause: e }),
    );
    return undefined;
  }
}

/**
 * A named pipe's text, abortable at every point. The FIFO is opened without blocking (O_NONBLOCK: a blocking open
 * waits for a writer in a libuv pool thread, which keeps the process alive and stalls other file I/O meanwhile) and
 * read through a socket handle, which waits in epoll: for a writer's first bytes, then for more, then for the end
 * when the last writer closes. Until a writer has come, epoll reports nothing, so an open read end is not taken for
 * an empty file. destroy() stops the wait at any point, whatever the writer does.
 */
async function fifoText(file: string, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) throw new Error('aborted');
  // A raw descriptor, not a FileHandle: the socket owns the fd, and a FileHandle would close it again when collected.
  const fd = await promisify(open)(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const socket = new Socket({ fd, readable: true, writable: false });
  const onAbort = (): void => void socket.destroy(new Error('aborted'));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await boundedText(socket);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    socket.destroy(); // closes the fd
  }
}

function stdinText(): Promise<string> {
  return boundedText(process.stdin);
}

/** A stream's text, refused once it passes the spec size limit (the stream is then closed). */
async function boundedText(stream: NodeJS.ReadableStream & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buf.length;
      if (size > MAX_SPEC_CHARS * 4) throw new Error('input too large for a spec');
      chunks.push(buf);
    }
  } finally {
    if (stream !== process.stdin) stream.destroy?.();
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function listDevices(listNics: () => Promise<NicDevice[]>, errors: ReconcileError[]): Promise<NicDevice[]> {
  try {
    return await listNics();
  } catch (e) {
    if (e instanceof ReconcileError) errors.push(e);
    else
      errors.push(
        new ReconcileError(
          'NM_ERROR',
          `cannot list network devices for nicN names: ${String(e)}`,
          undefined,
          undefined,
          undefined,
          { cause: e },
        ),
      );
    return [];
  }
}
