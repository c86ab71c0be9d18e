/**
 * RHEL ifcfg files: shell-style `KEY=value` lines, read the way
 * NetworkManager's ifcfg-rh plugin (shvar.c) reads them — no command
 * execution, no variable expansion. Pure.
 *
 * Quoting: 'single' is literal; "double" takes \" \\ \$ \` escapes (other
 * backslashes stay); $'ansi' takes C escapes; unquoted text takes backslash
 * escapes and ends at whitespace, after which only a # comment may follow.
 * Adjacent pieces join: A="b"'c'd → bcd.
 *
 * @example
 *   parseIfcfg('DEVICE=bond0\nBONDING_OPTS="mode=1 miimon=100" # comment\n').vars
 *   // { DEVICE: 'bond0', BONDING_OPTS: 'mode=1 miimon=100' }
 */
import { Issues, type ConvertIssue } from './issues';

export interface ParsedIfcfg {
  vars: Record<string, string>;
  issues: ConvertIssue[];
}

const C_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  v: '\v',
};

/** One value; `undefined` with a reason when a quote is left open or junk follows. */
export function unquote(text: string): { value: string } | { error: string } {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      const rest = text.slice(i).trim();
      return rest === '' || rest.startsWith('#')
        ? { value: out }
        : { error: `unquoted space before '${rest.slice(0, 20)}'` };
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { error: 'unterminated single quote' };
      out += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const r = readDouble(text, i + 1);
      if (!r) return { error: 'unterminated double quote' };
      out += r.value;
      i = r.next;
    } else if (c === '$' && text[i + 1] === "'") {
      const r = readAnsi(text, i + 2);
      if (!r) return { error: "unterminated $'...' quote" };
      out += r.value;
      i = r.next;
    } else if (c === '\\' && i + 1 < text.length) {
      out += text[i + 1];
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  return { value: out };
}

function readDouble(text: string, from: number): { value: string; next: number } | undefined {
  let out = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value: out, next: i + 1 };
    if (c === '\\' && '"\\$`'.includes(text[i + 1] ?? '')) out += text[++i];
    else out += c;
  }
  return undefined;
}

function readAnsi(text: string, from: number): { value: string; next: number } | undefined {
  let out = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") return { value: out, next: i + 1 };
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[++i] ?? '';
    const hex = /^x([0-9a-fA-F]{1,2})/.exec(text.slice(i));
    if (hex) {
      out += String.fromCharCode(parseInt(hex[1]!, 16));
      i += hex[0].length - 1;
    } else out += C_ESCAPES[e] ?? e;
  }
  return undefined;
}

/**
 * Keys whose values are secrets (or name where one is kept): WPA_PSK, IEEE_8021X_PASSWORD(_FLAGS),
 * IEEE_8021X_PRIVATE_KEY_PASSWORD, KEY1..KEY4 / KEY_PASSPHRASE1 (WEP), *_SECRET, *_TOKEN, *_PIN.
 * Wider than strictly needed (KEY_MGMT matches): hiding a harmless value costs nothing.
 */
const SECRET_KEY = /PASSW|PSK|KEY|SECRET|PASSPHRASE|TOKEN|(^|_)PIN($|_)/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * `KEY=value` for a report, with the value of a secret key replaced by `<hidden>`: convert prints what it read
 * from ifcfg files on stderr, and a wireless or 802.1X password must not end up in a terminal or a log.
 *
 * @example
 *   shownVar('WPA_PSK', 'hunter22')   // 'WPA_PSK=<hidden>'
 *   shownVar('ZONE', 'public')        // 'ZONE=public'
 */
export function shownVar(key: string, value: string): string {
  return `${key}=${isSecretKey(key) ? '<hidden>' : value}`;
}

/** A line that is not KEY=value, for a report: cut short, and hidden entirely when it may hold a secret. */
function shownLine(line: string): string {
  return isSecretKey(line) ? '<hidden: it may hold a secret>' : line.slice(0, 40);
}

/** All assignments of one file; later assignments of a key win, as when the shell sources it. */
export function parseIfcfg(text: string, file?: string): ParsedIfcfg {
  const issues = new Issues();
  const vars: Record<string, string> = {};
  text.split('\n').forEach((raw, n) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    const where = { ...(file ? { file } : {}), loc: { line: n + 1, col: 1 } };
    if (!m) {
      issues.add('SOURCE_INVALID', `not a KEY=value line, ignored: ${shownLine(line)}`, where);
      return;
    }
    const v = unquote(m[2]!);
    // unquote's reasons quote a piece of the value; a secret's only says what is wrong.
    const reason = (e: string): string => (isSecretKey(m[1]!) ? e.replace(/ before .*$/, ' in the value') : e);
    if ('error' in v) issues.add('SOURCE_INVALID', `${m[1]}: ${reason(v.error)}; line ignored`, where);
    else vars[m[1]!] = v.value;
  });
  return { vars, issues: issues.list };
}

/** initscripts' yes/no: y, yes, true, 1 (any case) are yes. */
export function isYes(v: string | undefined): boolean {
  return v !== undefined && /^(y|yes|true|t|1|on)$/i.test(v.trim());
}

/** Files initscripts and NetworkManager skip: backups and package manager leftovers. */
export function isIfcfgName(name: string): boolean {
  return (
    /^ifcfg-[^/]+$/.test(name) && !/(~|\.(bak|orig|rpmnew|rpmorig|rpmsave|old|swp))$/.test(name) && name !== 'ifcfg-lo'
  );
}
