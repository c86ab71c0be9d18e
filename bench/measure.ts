/**
 * Measuring one run: wall time of a child process, its peak RSS, and the CPU
 * time NetworkManager (and the bus daemon) spent meanwhile.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const CLK_TCK = 100; // USER_HZ: what /proc/PID/stat counts in on Linux

/** A process's CPU counters at one moment. */
export interface CpuSample {
  /** utime+stime of /proc/PID/stat: every thread, exited ones included, in 10 ms ticks. */
  ticksMs: number;
  /** Nanoseconds on CPU per live thread (/proc/PID/task/TID/schedstat). */
  threads: Map<string, number>;
}

export function cpuSample(pid: number): CpuSample | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const threads = new Map<string, number>();
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        threads.set(tid, Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
      } catch {
        /* thread gone */
      }
    }
    return { ticksMs: (Number(f[11]) + Number(f[12])) * (1000 / CLK_TCK), threads };
  } catch {
    return undefined;
  }
}

/**
 * CPU ms between two samples: the nanosecond schedstat counters when no
 * thread exited in between (they would take their time with them), else
 * the coarse tick count.
 */
export function cpuDelta(a: CpuSample | undefined, b: CpuSample | undefined): number | undefined {
  if (!a || !b) return undefined;
  const kept = [...a.threads.keys()].every((t) => b.threads.has(t));
  const fine = [...b.threads].reduce((sum, [t, ns]) => sum + ns - (a.threads.get(t) ?? 0), 0) / 1e6;
  return kept && fine > 0 ? fine : b.ticksMs - a.ticksMs;
}

/** Peak resident set of a live process (VmHWM), in KiB. */
export function vmHwmKb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wait until the process has been (nearly) idle for a while, so one run's
 * aftermath (NetworkManager finishing deletions, writing keyfiles) is not
 * billed to the next.
 */
export async function quiesce(pid: number, { idleMs = 200, maxCpuMs = 4, timeoutMs = 10_000 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = cpuSample(pid);
  while (Date.now() < deadline) {
    await sleep(idleMs);
    const now = cpuSample(pid);
    const used = cpuDelta(last, now);
    if (used === undefined || used <= maxCpuMs) return;
    last = now;
  }
}

export interface ChildRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ms. */
  ms: number;
  /** ru_maxrss of the child (Node process only, see rssHook), KiB. */
  maxRssKb?: number;
  /** The child's own CPU time (Node process only), ms. */
  cpuMs?: number;
}

/**
 * Preloaded into measured Node processes (`node -r HOOK`): at exit it writes
 * the process's own peak RSS and CPU time to $NMTEAM_BENCH_STATS. A file
 * written at runtime so the same code works compiled and under ts-jest.
 */
const RSS_HOOK = `'use strict';
const out = process.env.NMTEAM_BENCH_STATS;
if (out) {
  delete process.env.NMTEAM_BENCH_STATS;
  process.on('exit', () => {
    const r = process.resourceUsage();
    require('fs').writeFileSync(out, JSON.stringify({ maxRssKb: r.maxRSS, cpuMs: (r.userCPUTime + r.systemCPUTime) / 1000 }));
  });
}
`;

export class Runner {
  readonly dir: string;
  readonly hook: string;
  private seq = 0;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-bench-'));
    this.hook = path.join(this.dir, 'rss-hook.js');
    fs.writeFileSync(this.hook, RSS_HOOK);
  }

  file(name: string, text: string): string {
    const f = path.join(this.dir, name);
    fs.writeFileSync(f, text);
    return f;
  }

  /** Run a program (never through a shell) and time it. */
  run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30 * 60_000): Promise<ChildRun> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${cmd}: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        const ms = performance.now() - t0;
        clearTimeout(timer);
        resolve({
          code: code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0),
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
          ms,
        });
      });
    });
  }

  /** `node [-r hook] script args`, with the child's peak RSS and CPU time when `stats`. */
  async node(script: string, args: string[], env: NodeJS.ProcessEnv, stats = true): Promise<ChildRun> {
    const statsFile = path.join(this.dir, `stats-${++this.seq}.json`);
    const argv = stats ? ['-r', this.hook, script, ...args] : [script, ...args];
    const r = await this.run(process.execPath, argv, stats ? { ...env, NMTEAM_BENCH_STATS: statsFile } : env);
    if (stats) {
      try {
        Object.assign(r, JSON.parse(fs.readFileSync(statsFile, 'utf8')) as { maxRssKb: number; cpuMs: number });
        fs.rmSync(statsFile);
      } catch {
        /* the process died before its exit handler */
      }
    }
    return r;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
