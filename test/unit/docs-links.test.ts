/**
 * The documentation's links hold: every relative link and #anchor in README.md, docs/*.md and bench/README.md
 * points at a file that exists and, for a markdown file, at a heading it has (GitHub's anchor rules); every
 * docs/*.md page is linked from README.md; and README.md stays short (issue 15: under 15 000 bytes, the rest in
 * docs/). Links inside fenced code blocks and inline code are not links, and are not checked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const README = path.join(ROOT, 'README.md');
const README_MAX_BYTES = 15_000;

/**
 * GitHub's anchor for a heading's text (github-slugger): lower case; every character that is not a letter, mark,
 * number, `_`, `-` or space dropped; each space a hyphen. Markdown inside the heading counts by its text only.
 *
 * @example
 *   slug('Real teams in a VM (`npm run test:vm`)')   // 'real-teams-in-a-vm-npm-run-testvm'
 */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // [text](url) → text
    .replace(/`/g, '')
    .replace(/\*\*|\*/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

interface Doc {
  headings: string[];
  links: { target: string; line: number }[];
}

/** Headings (as anchors, duplicates numbered as GitHub does) and links of a markdown text, code excluded. */
function readDoc(text: string): Doc {
  const doc: Doc = { headings: [], links: [] };
  const seen = new Map<string, number>();
  let fence: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (open) {
      if (fence === undefined) fence = open[1][0];
      else if (open[1][0] === fence) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const h = /^ {0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$/.exec(raw);
    if (h) {
      const base = slug(h[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      doc.headings.push(n === 0 ? base : `${base}-${n}`);
    }
    const line = raw.replace(/(`+)[\s\S]*?\1/g, ''); // inline code is not markup
    for (const m of line.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      doc.links.push({ target: m[1], line: i + 1 });
  });
  return doc;
}

/**
 * Each link of `file` that does not resolve, as `file:line: target: why`; an empty list when all hold. `read` gives a
 * file's text (undefined: no such file); a path it does not know may still be a directory or another file on disk.
 */
function brokenLinks(file: string, read: (f: string) => string | undefined): string[] {
  const text = read(file);
  if (text === undefined) return [`${file}: missing`];
  const out: string[] = [];
  for (const { target, line } of readDoc(text).links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [rel, anchor] = target.split('#', 2) as [string, string | undefined];
    const dest = rel === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(rel));
    const where = `${path.relative(ROOT, file)}:${line}: ${target}`;
    if (read(dest) === undefined && !fs.existsSync(dest)) {
      out.push(`${where}: no such file`);
      continue;
    }
    if (anchor === undefined) continue;
    const destText = dest.endsWith('.md') ? read(dest) : undefined;
    if (destText === undefined) out.push(`${where}: an anchor into a file that is not markdown`);
    else if (!readDoc(destText).headings.includes(anchor))
      out.push(`${where}: no heading with this anchor in ${path.relative(ROOT, dest)}`);
  }
  return out;
}

/** A file's text; undefined for a missing path or a directory. */
const readFile = (f: string): string | undefined =>
  fs.statSync(f, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(f, 'utf8') : undefined;
const docPages = (): string[] =>
  fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(ROOT, 'docs', f));

describe('GitHub anchors', () => {
  it.each([
    ['Quick start', 'quick-start'],
    ['Real teams in a VM (`npm run test:vm`)', 'real-teams-in-a-vm-npm-run-testvm'],
    ['Bursts, failures, and backoff', 'bursts-failures-and-backoff'],
    ['Runtime state: `show --state`', 'runtime-state-show---state'],
    ['Plans: reading, saving, and what nmteam prints', 'plans-reading-saving-and-what-nmteam-prints'],
    [
      'Activation, Reapply and runtime state (what the VM proves)',
      'activation-reapply-and-runtime-state-what-the-vm-proves',
    ],
    ['The `team_mode_*` modules → [teamd](x.md)', 'the-team_mode_-modules--teamd'],
  ])('%s → #%s', (heading, anchor) => expect(slug(heading)).toBe(anchor));

  it('numbers a repeated heading as GitHub does, and reads no heading or link inside code', () => {
    const doc = readDoc(
      [
        '# A',
        '## A',
        '```sh',
        '# not a heading [x](nowhere.md)',
        '```',
        '## A',
        'see `[y](gone.md)` and [z](here.md#a-1)',
      ].join('\n'),
    );
    expect(doc.headings).toEqual(['a', 'a-1', 'a-2']);
    expect(doc.links).toEqual([{ target: 'here.md#a-1', line: 7 }]);
  });

  it('reports a missing file and a missing anchor, and accepts good ones (so the checks below can fail)', () => {
    const files: Record<string, string> = {
      [path.join(ROOT, 'a.md')]:
        '# Top\n[ok](#top) [bad](#nope) [gone](missing-file.md) [readme](README.md#quick-start) [web](https://x.org/#y)\n',
    };
    const read = (f: string): string | undefined => files[f] ?? readFile(f);
    expect(brokenLinks(path.join(ROOT, 'a.md'), read)).toEqual([
      'a.md:2: #nope: no heading with this anchor in a.md',
      'a.md:2: missing-file.md: no such file',
    ]);
  });
});

describe('the documentation', () => {
  it('README.md, docs/*.md and bench/README.md: every relative link and #anchor resolves', () => {
    const files = [README, ...docPages(), path.join(ROOT, 'bench/README.md')];
    expect(files.flatMap((f) => brokenLinks(f, readFile))).toEqual([]);
  });

  it('every docs/*.md page and bench/README.md is linked from README.md', () => {
    const linked = new Set(
      readDoc(fs.readFileSync(README, 'utf8')).links.map((l) => path.resolve(ROOT, l.target.split('#')[0])),
    );
    const pages = [...docPages(), path.join(ROOT, 'bench/README.md')];
    expect(pages.filter((p) => !linked.has(p)).map((p) => path.relative(ROOT, p))).toEqual([]);
  });

  it(`README.md stays under ${README_MAX_BYTES} bytes (longer documentation goes to a page in docs/)`, () => {
    expect(fs.statSync(README).size).toBeLessThan(README_MAX_BYTES);
  });
});
