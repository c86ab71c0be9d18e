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

/** What every NmPort the commands connect goes through: itself, unless main.ts set a wrapper (the fault hook). */
let wrapNm: (nm: NmPort) => NmPort = (nm) => nm;

/** Wrap every NmPort connected from now on (main.ts: the NMTEAM_INJECT_FAULT hook); none: unwrapped. */
export function setNmWrapper(wrap: (nm: NmPort) => NmPort = (nm) => nm): void {
  wrapNm = wrap;
}

/** Connect to NetworkManager on the system bus, through the wrapper set by setNmWrapper. */
export async function connectNm(timeoutMs?: number): Promise<NmPort> {
  return wrapNm(await NmClient.connect(timeoutMs));
}

/** Connects on first use, so a bad desired state is reported even when NetworkManager is down. */
export class LazyNm {
  private client: Promise<NmPort> | undefined;
  constructor(private readonly timeoutS = 25) {}
  get(): Promise<NmPort> {
    return (this.client ??= connectNm(this.timeoutS * 1000));
  }
  close(): void {
    this.client?.then(
      (c) => c.close(),
      () => undefined,
    );
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

/** What a command says on stderr while it waits for another nmteam run's lock. */
export function lockWaitNotice(io: Io): (holderPid: number | undefined) => void {
  return (pid) => io.err(`nmteam: waiting for another nmteam run${pid ? ` (pid ${pid})` : ''} to finish...\n`);
}

export async function withLock<T>(waitS: number, io: Io, fn: () => Promise<T>): Promise<T> {
  const lock: Lock = await acquireLock(waitS, lockWaitNotice(io));
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
    listNics: async () =>
      (await (await nm()).readDevices()).map((d) => ({
        name: d.iface,
        mac: d.hwAddress,
        carrier: d.carrier === true,
        physical: d.physical === true,
      })),
  };
}

/** `--strict`: the parse's warnings become its errors (exit 3, nothing applied). */
export function strictResult(res: ParseResult, strict: boolean | undefined): ParseResult {
  return res.ok && strict === true && res.warnings.length > 0 ? { ok: false, errors: res.warnings } : res;
}

/** A desired-state text read with readSpecText → Spec and its warnings, or every error thrown together. */
export async function specFromText(
  nm: LazyNm,
  text: string,
  name: string,
  mapping: string | undefined,
  strict?: boolean,
): Promise<{ spec: Spec; warnings: ReconcileError[] }> {
  const res = strictResult(
    await loadSpecText(
      text,
      name,
      specLoadOptions(() => nm.get(), mapping),
    ),
    strict,
  );
  if (!res.ok) throw new ReconcileErrors(res.errors);
  return { spec: res.spec, warnings: res.warnings };
}

/** `--scope NAME`: lower-case letters, digits, '.', '_' and '-', up to 64 characters. */
export function scopeName(v: string): string {
  if (!SCOPE_NAME.test(v))
    throw new InvalidArgumentError(
      "expected a scope name: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters",
    );
  return v;
}

export function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds');
  return n;
}
