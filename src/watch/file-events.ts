import * as fs from 'node:fs';
import * as path from 'node:path';
import { asyncScheduler, debounceTime, Observable, retry, type SchedulerLike, timer } from 'rxjs';

export interface FileChangesOptions {
  /** Quiet time after the last event before emitting. Default 200 ms. */
  debounceMs?: number;
  /** If watching fails (the directory was removed), try again after this long. Default 2 s. */
  retryMs?: number;
  /** Told when watching fails, before each retry. */
  onError?: (err: unknown) => void;
  scheduler?: SchedulerLike;
}

/**
 * Changes of the desired-state file, debounced.
 *
 * The directory is watched, not the file: editors and configuration tools
 * write a temporary file and rename it over the old one, and a watch on the
 * file itself would keep following the old inode (the deleted file) and miss
 * every later change. Events are filtered by basename, so other files in
 * /etc/nmteam do not wake the watcher. The consumer re-reads the file and
 * compares, so a spurious event costs one read.
 *
 * @example
 *   fileChanges('/etc/nmteam/teams.yaml').subscribe(() => reload())
 */
export function fileChanges(file: string, opts: FileChangesOptions = {}): Observable<void> {
  const full = path.resolve(file);
  const dir = path.dirname(full);
  const base = path.basename(full);
  const raw = new Observable<void>((subscriber) => {
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(dir, { persistent: true }, (_event, name) => {
        // Some platforms do not report a name; then any change in the directory counts.
        if (name === null || name === base) subscriber.next();
      });
    } catch (err) {
      subscriber.error(err);
      return undefined;
    }
    watcher.on('error', (err) => subscriber.error(err));
    return () => watcher.close();
  });
  return raw.pipe(
    retry({
      delay: (err: unknown) => {
        opts.onError?.(err);
        return timer(opts.retryMs ?? 2000, opts.scheduler ?? asyncScheduler);
      },
    }),
    debounceTime(opts.debounceMs ?? 200, opts.scheduler ?? asyncScheduler),
  );
}
