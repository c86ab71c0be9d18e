import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { acquireLock } from '../../src/state/lock';

/**
 * The lock across real processes: the kernel releases it when its holder dies, whatever the file holds.
 * The contenders run src/state/lock.ts itself, transpiled once into a scratch directory. No timing is
 * asserted beyond "at once" = without waiting (--wait-lock 0), so a loaded machine only makes it slower.
 */

const ROOT = path.resolve(__dirname, '../..');
let tmp: string;
let dir: string;
let holderJs: string;

const HOLDER = `
const fs = require('node:fs');
const { acquireLock } = require('./state/lock.js');
const [dir, holdMs, waitS, log] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
acquireLock(Number(waitS), undefined, dir).then(async (lock) => {
  const start = now();
  process.stdout.write('held\\n');
  await new Promise((r) => setTimeout(r, Number(holdMs) < 0 ? 2 ** 31 - 1 : Number(holdMs)));
  if (log) fs.appendFileSync(log, JSON.stringify({ pid: process.pid, start, end: now() }) + '\\n');
  lock.release();
}, (err) => {
  process.stderr.write(err.code + ': ' + err.message + '\\n');
  process.exit(err.code === 'LOCKED' ? 75 : 1);
});
`;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-lock-'));
  for (const f of ['state/lock.ts', 'state/state-dir.ts', 'state/journal.ts', 'core/errors.ts']) {
    const out = ts.transpileModule(fs.readFileSync(path.join(ROOT, 'src', f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    fs.mkdirSync(path.join(tmp, path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(tmp, f.replace(/\.ts$/, '.js')), out.outputText);
  }
  holderJs = path.join(tmp, 'holder.js');
  fs.writeFileSync(holderJs, HOLDER);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
beforeEach(() => {
  dir = path.join(tmp, `state${n++}`);
});

interface Holder {
  child: ChildProcess;
  held: Promise<void>;
  exit: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A node process that takes the lock (waiting up to `waitS`), holds it `holdMs` (-1: until killed), logs the interval. */
function startHolder(holdMs: number, waitS = 0, log = ''): Holder {
  const child = spawn(process.execPath, [holderJs, dir, String(holdMs), String(waitS), log], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const held = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    void exit.then((code) => reject(new Error(`holder exited ${code} before taking the lock: ${stderr}`)));
  });
  held.catch(() => undefined); // reported where awaited; not an unhandled rejection where not
  return { child, held, exit };
}

const lockFile = (): string => path.join(dir, 'lock');

describe('the lock (flock, released by the kernel)', () => {
  it('refuses a second process while the first holds it, and names the holder', async () => {
    const h = startHolder(-1);
    await h.held;
    await expect(acquireLock(0, undefined, dir)).rejects.toMatchObject({ code: 'LOCKED' });
    const waited: (number | undefined)[] = [];
    await expect(acquireLock(0.3, (pid) => waited.push(pid), dir)).rejects.toMatchObject({ code: 'LOCKED' });
    expect(waited).toEqual([h.child.pid]);
  });

  it('is free at once when its holder is killed with SIGKILL', async () => {
    const h = startHolder(-1);
    await h.held;
    h.child.kill('SIGKILL');
    await h.exit;
    const lock = await acquireLock(0, undefined, dir);
    lock.release();
  });

  it.each([
    ['empty', ''],
    ['a live PID (echo 1 > lock)', '1\n'],
    ['this PID', `${process.pid}\n`],
    ['garbage', 'not a pid'],
  ])('a lock file that is %s never blocks', async (_what, content) => {
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.writeFileSync(lockFile(), content, { mode: 0o600 });
    const lock = await acquireLock(0, undefined, dir);
    lock.release();
    // and it is not a sign of a holder to the next one either
    (await acquireLock(0, undefined, dir)).release();
  });

  it('stays held when the file is emptied under a live holder (the file never decides)', async () => {
    const h = startHolder(-1);
    await h.held;
    fs.truncateSync(lockFile(), 0);
    await expect(acquireLock(0, undefined, dir)).rejects.toMatchObject({ code: 'LOCKED' });
    expect(fs.existsSync(lockFile())).toBe(true);
  });

  it('excludes a second taker in the same process too (watch reconciles teams concurrently)', async () => {
    const a = await acquireLock(0, undefined, dir);
    await expect(acquireLock(0, undefined, dir)).rejects.toMatchObject({ code: 'LOCKED' });
    a.release();
    a.release(); // idempotent
    (await acquireLock(0, undefined, dir)).release();
  });

  it('waits for a holder with --wait-lock and gets it when the holder finishes', async () => {
    const h = startHolder(300);
    await h.held;
    const waited: (number | undefined)[] = [];
    const lock = await acquireLock(60, (pid) => waited.push(pid), dir);
    expect(waited).toHaveLength(1);
    expect(await h.exit).toBe(0);
    lock.release();
  });

  it('is never held by two of 10 contending processes at once', async () => {
    const log = path.join(tmp, `intervals${n}.jsonl`);
    const holders = Array.from({ length: 10 }, () => startHolder(30, 120, log));
    expect(await Promise.all(holders.map((h) => h.exit))).toEqual(Array(10).fill(0));
    const spans = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { start: number; end: number })
      .sort((a, b) => a.start - b.start);
    expect(spans).toHaveLength(10);
    const overlaps = spans.filter((s, i) => i > 0 && s.start < spans[i - 1]!.end);
    expect(overlaps).toEqual([]);
  }, 150_000);

  it('does not follow a symlink planted at the lock file', async () => {
    fs.mkdirSync(dir, { mode: 0o700 });
    const victim = path.join(tmp, `victim${n}`);
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, lockFile());
    await expect(acquireLock(0, undefined, dir)).rejects.toMatchObject({ code: 'STATE_DIR_UNSAFE' });
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });
});
