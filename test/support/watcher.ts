import { type ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';
import { cliPath } from '../harness/sandbox/cli';
import { sleep } from '../harness/sandbox/proc';
import type { Sandbox } from '../harness/sandbox/sandbox';

export type Line = {
  event: string;
  team?: string;
  result?: string;
  changed?: string[];
  conflicts?: string[];
  withheld?: string[];
  [k: string]: unknown;
};

/** `nmteam watch FILE --no-activate --log-format json` as a child process, its JSON lines parsed as they come. */
export class Watcher {
  readonly lines: Line[] = [];
  private readonly child: ChildProcess;
  private exit: Promise<number>;
  stderr = '';

  constructor(sb: Sandbox, file: string, extra: string[] = []) {
    const args = [cliPath(), 'watch', file, '--no-activate', '--log-format', 'json', ...extra];
    this.child = spawn('setpriv', ['--pdeathsig', 'TERM', process.execPath, ...args], {
      env: sb.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    this.child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) this.lines.push(JSON.parse(p) as Line);
    });
    this.child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.exit = new Promise((resolve) =>
      this.child.on('exit', (code, sig) => resolve(code ?? 128 + (sig ? os.constants.signals[sig] : 0))),
    );
  }

  reconciles(from = 0): Line[] {
    return this.lines.slice(from).filter((l) => l.event === 'reconcile');
  }

  async waitFor(what: string, pred: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await pred())) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; watcher log:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n${this.stderr}`,
        );
      await sleep(25);
    }
  }

  /** Until no log line came for `ms`. */
  async quiet(ms = 1000): Promise<void> {
    let n = -1;
    let since = Date.now();
    await this.waitFor(
      'quiet',
      () => {
        if (this.lines.length !== n) [n, since] = [this.lines.length, Date.now()];
        return Date.now() - since >= ms;
      },
      30_000,
    );
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  exited(): Promise<number> {
    return this.exit;
  }
}
