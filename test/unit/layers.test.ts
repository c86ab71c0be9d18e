/**
 * The layering of src/, enforced (docs/architecture.md). Each folder is a layer; a module may import its own
 * folder, a lower layer, or a package, never a higher layer. The pure layers (everything below `edges`) may
 * not reach I/O at all: no file system, processes, sockets, clocks or D-Bus; the few files that are the
 * edges of a pure folder are named below, each with its reason, so a new one has to be argued for here.
 *
 * Imports are read with TypeScript's own pre-processor (import, export … from, require, dynamic import), so
 * a type-only import counts as well: a pure module that needs a type from a higher layer means the type lives
 * in the wrong place.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');

/** Lowest first. Folders on one rank may import each other only where listed in SAME_RANK. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['core', 'util'], // shared types, errors and exit codes; small pure helpers
  ['teamd'], // teamd's JSON: defaults, validation, normalization
  ['nm'], // NetworkManager's vocabulary and pure mapping to and from it; NmPort, the interface the core calls
  ['spec'], // the desired state: YAML text → Spec, with located errors
  ['reconcile'], // pure planning: normalize, diff, plan, render
  ['convert'], // pure file transformations between bonds, teams and formats
  ['bus', 'state', 'runtime'], // I/O: D-Bus client, journal and lock, device waits
  ['transaction', 'watch'], // running plans: the one reconcile path and the watch controller
  ['commands'], // one file per CLI command
  ['.'], // main.ts, cli.ts, index.ts
];
const PURE = new Set(['core', 'util', 'teamd', 'nm', 'spec', 'reconcile', 'convert']);
/** Imports across folders of one rank that are allowed (from → to). */
const SAME_RANK: ReadonlyArray<readonly [string, string]> = [
  ['util', 'core'],
  ['core', 'util'],
  ['state', 'bus'],
  ['runtime', 'bus'],
  ['runtime', 'state'],
  ['watch', 'transaction'],
];
/** Files of a pure folder that are its edge to the outside world, and why. */
const EDGES: Record<string, string> = {
  'spec/load.ts': 'reads the desired-state file, stdin or a FIFO',
  'convert/read.ts': 'reads ifcfg directories and input files for convert',
  'convert/into-file.ts': "stages and replaces convert --into's file atomically",
};
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|child_process|net|dgram|http|https|timers|timers\/promises|worker_threads)$|^dbus-next(\/|$)/;
/** node:net is I/O except for its pure address helpers. */
const PURE_NET_IMPORT =
  /^\s*import\s*\{\s*(isIP|isIPv4|isIPv6)(\s*,\s*(isIP|isIPv4|isIPv6))*\s*\}\s*from\s*'node:net'/m;

function rank(folder: string): number {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  if (i < 0) throw new Error(`src/${folder} is in no layer: add it to LAYERS in test/unit/layers.test.ts`);
  return i;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const folderOf = (file: string): string => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? '.' : rel[0]!;
};

/** Every violation in the tree at `root`, as readable lines. */
export function violations(root: string = SRC): string[] {
  const out: string[] = [];
  for (const file of walk(root)) {
    const rel = path.relative(root, file);
    const text = fs.readFileSync(file, 'utf8');
    const from = folderOf(path.join(SRC, rel));
    const pure = PURE.has(from) && !(rel in EDGES);
    for (const imp of ts.preProcessFile(text, true, true).importedFiles) {
      const spec = imp.fileName;
      if (spec.startsWith('.')) {
        let target = path.resolve(path.dirname(path.join(root, rel)), spec);
        if (fs.existsSync(target) && fs.statSync(target).isDirectory()) target = path.join(target, 'index.ts');
        target = path.join(SRC, path.relative(root, target));
        if (path.relative(SRC, target).startsWith('..')) {
          if (path.basename(target) !== 'package.json') out.push(`${rel}: imports ${spec}, outside src/`);
          continue;
        }
        const to = folderOf(target);
        if (to === from) continue;
        const [rf, rt] = [rank(from), rank(to)];
        const sameOk = SAME_RANK.some(([a, b]) => a === from && b === to);
        if (rt > rf || (rt === rf && !sameOk))
          out.push(`${rel}: src/${from} imports the higher layer src/${to} ('${spec}')`);
        if (pure && !PURE.has(to)) out.push(`${rel}: the pure src/${from} imports the I/O layer src/${to} ('${spec}')`);
      } else if (pure && IO_MODULES.test(spec) && !(/^(node:)?net$/.test(spec) && PURE_NET_IMPORT.test(text))) {
        out.push(`${rel}: the pure src/${from} imports ${spec}`);
      }
    }
  }
  return out;
}

describe('the layers of src/', () => {
  it('no module imports a higher layer, and no pure module imports I/O', () => {
    expect(violations()).toEqual([]);
  });

  it('every folder of src/ is in a layer', () => {
    const folders = fs
      .readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    for (const f of folders) expect(() => rank(f)).not.toThrow();
  });

  it('every named edge file exists', () => {
    for (const f of Object.keys(EDGES)) expect(fs.existsSync(path.join(SRC, f))).toBe(true);
  });

  describe('catches', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-layers-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const put = (rel: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };

    it('a pure folder that reads a file', () => {
      put('reconcile/plan.ts', "import * as fs from 'node:fs';\nexport const x = fs;\n");
      expect(violations(dir)).toEqual(['reconcile/plan.ts: the pure src/reconcile imports node:fs']);
    });

    it('a lower layer importing a higher one, type-only included', () => {
      put('nm/port.ts', "import type { Plan } from '../reconcile/plan';\nexport type P = Plan;\n");
      expect(violations(dir)).toEqual([
        "nm/port.ts: src/nm imports the higher layer src/reconcile ('../reconcile/plan')",
      ]);
    });

    it('a pure folder reaching the D-Bus client', () => {
      put('spec/parse.ts', "import { NmBus } from '../bus/dbus';\nexport const b = NmBus;\n");
      expect(violations(dir)).toEqual([
        "spec/parse.ts: src/spec imports the higher layer src/bus ('../bus/dbus')",
        "spec/parse.ts: the pure src/spec imports the I/O layer src/bus ('../bus/dbus')",
      ]);
    });

    it('but not isIP from node:net, nor a lower layer', () => {
      put(
        'spec/ip.ts',
        "import { isIP } from 'node:net';\nimport { x } from '../core/types';\nexport const y = [isIP, x];\n",
      );
      expect(violations(dir)).toEqual([]);
    });
  });
});
