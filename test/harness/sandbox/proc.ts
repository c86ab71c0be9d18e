/** Small process helpers for the sandbox: run without a shell, PID identity, termination. */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Run a program (never through a shell) and collect its output. A signal
 * death is reported as 128+signal like a shell would. Rejects only if the
 * program cannot be started or exceeds timeoutMs (default 120 s).
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: timed out after ${opts.timeoutMs ?? 120_000} ms`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const sig = signal ? (os.constants.signals[signal] ?? 0) : 0;
      resolve({
        code: code ?? 128 + sig,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {
        /* child may exit without reading its input */
      });
      child.stdin!.end(opts.input);
    }
  });
}

/** A PID plus the kernel start time of that process, so a reused PID is never mistaken for ours. */
export interface ProcRef {
  pid: number;
  start: string;
}

/** Identity of a live process, or undefined if it is gone or a zombie. */
export function procRef(pid: number): ProcRef | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name, which may itself contain spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return { pid, start: fields[19] ?? '' };
}

export const isAlive = (ref: ProcRef) => procRef(ref.pid)?.start === ref.start;

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', done);
      resolve(false);
    }, ms);
    function done() {
      clearTimeout(timer);
      resolve(true);
    }
    child.once('exit', done);
  });
}

/** Send `signal` to our child and wait for it to exit; SIGKILL after graceMs. */
export async function terminate(
  child: ChildProcess,
  ref: ProcRef,
  signal: NodeJS.Signals,
  graceMs = 10_000,
): Promise<void> {
  if (exited(child)) return;
  if (isAlive(ref)) child.kill(signal);
  if (await waitExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitExit(child, 5_000);
}

/**
 * Wait until the child prints a stdout line matching `pred`; reject with its
 * stderr if it exits first or the timeout passes. Its pipes are closed afterwards.
 */
export function waitForLine(
  child: ChildProcess,
  pred: (line: string) => boolean,
  ms: number,
  what: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let errText = '';
    const finish = (e: Error | undefined, line = '') => {
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      child.stderr?.removeAllListeners('data');
      child.off('exit', onExit);
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (e) reject(e);
      else resolve(line);
    };
    const onExit = () => finish(new Error(`${what} exited early: ${errText.trim() || '(no output)'}`));
    const timer = setTimeout(() => finish(new Error(`${what} not ready after ${ms} ms: ${errText.trim()}`)), ms);
    child.stderr?.on('data', (b: Buffer) => {
      errText += b.toString();
    });
    child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      const hit = lines.find(pred);
      if (hit !== undefined) finish(undefined, hit);
    });
    child.on('exit', onExit);
  });
}
