/**
 * Terminal-safe output. Profile ids, team and interface names, file paths and error messages come from input
 * (NetworkManager profiles anyone with polkit rights can write, YAML and ifcfg files), and a raw `ESC ] 0 ; … BEL`
 * or `ESC [ 2 J` in them would retitle or clear the operator's terminal. Every control character except the line
 * feed and the tab that the output itself is made of — the rest of C0, DEL and C1 — becomes a `\u00XX` escape.
 *
 * The escape is chosen so that one filter can sit on the whole output stream (main.ts wraps the Io with it):
 * JSON.stringify never emits a raw C0 character, and a raw DEL or C1 character can only stand inside a JSON or
 * double-quoted YAML string (yaml quotes any string holding one), where `\u00XX` is the same character. JSON and
 * YAML output therefore stay exact.
 *
 * @example
 *   printable('team\x1b[2J0')  // 'team\\u001b[2J0'
 */
export function printable(s: string): string {
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, toEscape);
}

/**
 * One line of a text report: printable(), and a line feed inside it escaped too. The stream filter cannot tell
 * a line feed the output is made of from one inside a profile id (`nmcli con add con-name $'x\nteam0: delete…'`
 * would forge a line); a renderer that builds one line per item can, so it passes each line through this.
 *
 * @example
 *   printableLine("team0: conflict: profile 'x\ny' …")  // "team0: conflict: profile 'x\\u000ay' …"
 */
export function printableLine(s: string): string {
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, toEscape);
}

const toEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** An output sink that writes only printable text (see printable()). */
export function printableSink(write: (s: string) => void): (s: string) => void {
  return (s) => write(printable(s));
}
