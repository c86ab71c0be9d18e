import { SCOPE_NAME } from '../nm/settings/team';
import { InvalidArgumentError } from 'commander';
import { NmClient } from '../bus/client';
import type { NmPort } from '../nm/port';
import { type ReconcileError, ReconcileErrors } from '../core/errors';
import type { Spec } from '../core/types';
import { type LoadOptions, loadSpecText } from '../spec/load';
import type { ParseResult } from '../spec/parse';
import { acquireLock, type Lock } from '../state/lock';

/** Where a command writes; cli.ts binds it to stdout/stderr, tests to arrays. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /**
   * Stdout for coloured text, set only on a TTY without NO_COLOR. It bypasses the printable() filter, so only
   * a renderer that made every line printable itself and adds nothing but its own SGR codes writes here (renderPlan).
   */
  outStyled?: (s: string) => void;
  /**
   * A status line on stderr rewritten in place (undefined erases it), set only when stderr is a terminal:
   * progress of a long run (commands/progress.ts). Never set for JSON, logs or a pipe.
   */
  progress?: (line: string | undefined) => void;
  /** The terminal's width, when progress is set. */
  columns?: () => number;
}

export interface NmOpts {
  /** Each D-Bus call's timeout, seconds. */
  dbusTimeout?: number;
}

/**
 * Test hook (see docs/errors.md): with NMTEAM_INJECT_FAULT=teamd-miss:PORT[,PORT...][@SECONDS],
 * teamd's answers leave those ports out (from SECONDS after the start, default at once) until
 * they are re-attached (reactivateDevice), as when teamd missed their port events; the VM
 * proves the re-attachment with it. Otherwise `nm` itself.
 */
export function withTestHooks<T extends NmPort>(nm: T, value = process.env.NMTEAM_INJECT_FAULT): T {
  const m = /^teamd-miss:([\w.-]+(?:,[\w.-]+)*)(?:@(\d+(?:\.\d+)?))?$/.exec(value ?? '');
  if (!m || !nm.teamdPorts || !nm.reactivateDevice) return nm;
  const hidden = new Set(m[1]!.split(','));
  const from = Date.now() + Number(m[2] ?? 0) * 1000;
  const teamdPorts = nm.teamdPorts.bind(nm);
  const reactivateDevice = nm.reactivateDevice.bind(nm);
  return Object.assign(Object.create(nm) as T, {
    teamdPorts: async (team: string) => (await teamdPorts(team))?.filter((p) => Date.now() < from || !hidden.has(p)),
    reactivateDevice: (iface: string, timeoutMs?: number) => {
      hidden.delete(iface);
      return reactivateDevice(iface, timeoutMs);
    },
  });
}

/** Connects on first use, so a bad desired state is reported even when NetworkManager is down. */
export class LazyNm {
  private client: Promise<NmPort> | undefined;
  constructor(private readonly timeoutS = 25) {}
  get(): Promise<NmPort> {
    return (this.client ??= NmClient.connect(this.timeoutS * 1000).then((c) => withTestHooks(c)));
  }
  close(): void {
    this.client?.then((c) => c.close(), () => undefined);
  }
}

export async function withNm<T>(fn: (nm: LazyNm) => Promise<T>, timeoutS?: number): Promise<T> {
  const nm = new LazyNm(timeoutS);
  try {
    return await fn(nm);
  } finally {
    nm.close();
  }
}

export async function withLock<T>(waitS: number, io: Io, fn: () => Promise<T>): Promise<T> {
  const lock: Lock = await acquireLock(waitS, (pid) => io.err(`nmteam: waiting for another nmteam run${pid ? ` (pid ${pid})` : ''} to finish...\n`));
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** loadSpec's options as the commands use them: the mapping file, and NetworkManager's devices for nicN names. */
export function specLoadOptions(nm: () => Promise<NmPort>, mapping: string | undefined): LoadOptions {
  return {
    ...(mapping ? { mappingFile: mapping } : {}),
    listNics: async () => (await (await nm()).readDevices()).map((d) => ({ name: d.iface, mac: d.hwAddress, carrier: d.carrier === true, physical: d.physical === true })),
  };
}

/** `--strict`: the parse's warnings become its errors (exit 3, nothing applied). */
export function strictResult(res: ParseResult, strict: boolean | undefined): ParseResult {
  return res.ok && strict === true && res.warnings.length > 0 ? { ok: false, errors: res.warnings } : res;
}

/** A desired-state text read with readSpecText → Spec and its warnings, or every error thrown together. */
export async function specFromText(
  nm: LazyNm, text: string, name: string, mapping: string | undefined, strict?: boolean,
): Promise<{ spec: Spec; warnings: ReconcileError[] }> {
  const res = strictResult(await loadSpecText(text, name, specLoadOptions(() => nm.get(), mapping)), strict);
  if (!res.ok) throw new ReconcileErrors(res.errors);
  return { spec: res.spec, warnings: res.warnings };
}

/** `--scope NAME`: lower-case letters, digits, '.', '_' and '-', up to 64 characters. */
export function scopeName(v: string): string {
  if (!SCOPE_NAME.test(v)) throw new InvalidArgumentError("expected a scope name: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters");
  return v;
}

export function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds');
  return n;
}
