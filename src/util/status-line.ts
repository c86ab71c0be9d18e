/**
 * One line at the bottom of a terminal, rewritten in place (`\r`, erase line): a long run's progress on stderr.
 * Anything else written to the same terminal goes through `around`, which takes the line away first and puts it
 * back after, so a notice never lands in the middle of it. Only for a TTY: the caller decides.
 *
 * @example
 *   const status = new StatusLine((s) => process.stderr.write(s))
 *   status.set('activating: 1/3 teams up')   // shown
 *   status.around(() => process.stderr.write('nmteam: a notice\n'))
 *   status.set(undefined)                    // gone, cursor at the start of an empty line
 */
export class StatusLine {
  private shown: string | undefined;

  constructor(private readonly write: (s: string) => void) {}

  /** Show `line` in place of the last one; undefined erases it. */
  set(line: string | undefined): void {
    if (line === undefined) {
      if (this.shown !== undefined) this.write('\r\x1b[K');
    } else this.write(`\r\x1b[K${line}`);
    this.shown = line;
  }

  /** Run `fn` (which writes whole lines) with the status line out of the way. */
  around(fn: () => void): void {
    const line = this.shown;
    if (line !== undefined) this.set(undefined);
    fn();
    if (line !== undefined) this.set(line);
  }
}
