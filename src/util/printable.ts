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
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An output sink that writes only printable text (see printable()). */
export function printableSink(write: (s: string) => void): (s: string) => void {
  return (s) => write(printable(s));
}
