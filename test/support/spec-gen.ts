/**
 * A seeded generator of desired-state documents for the differential test of the two YAML readers
 * (test/unit/spec-fast-path-diff.test.ts). Each document is built as a tree (valid os-net-config team entries,
 * then spoilt on purpose: wrong types, unknown and ignored keys, duplicate keys, bad teamd JSON) and written out
 * in a random YAML style (block or flow collections, plain or quoted scalars, comments, anchors and aliases,
 * merge keys, odd scalars, tabs, a BOM, CRLF, document markers). Same seed, same documents.
 */
import { rng } from './corpus';

/** A node of the document before it is written: a scalar is written as given (its YAML source text). */
type Node =
  { kind: 'scalar'; text: string } | { kind: 'map'; pairs: [string, Node][] } | { kind: 'seq'; items: Node[] };

export interface GenDoc {
  text: string;
  /** What was done to it, for a failing test's message. */
  traits: string[];
}

const S = (text: string): Node => ({ kind: 'scalar', text });
const M = (pairs: [string, Node][]): Node => ({ kind: 'map', pairs });
const Q = (items: Node[]): Node => ({ kind: 'seq', items });

/** Plain scalars the YAML 1.1, js-yaml and yaml 1.2 core schemas read differently, and other odd ones. */
const ODD = [
  'yes',
  'no',
  'on',
  'True',
  'TRUE',
  'tRUE',
  '0o17',
  '010',
  '0x1F',
  '0b101',
  '1_000',
  '+1',
  '-0',
  '1.',
  '.5',
  '+.5',
  '1e3',
  '.inf',
  '-.Inf',
  '.nan',
  'NaN',
  '2001-12-14',
  '~',
  'null',
  'Null',
  'NULL',
  '12:30:00',
  '0.1.2',
  '123456789012345678901234567890',
  "''",
  '""',
  "'it''s'",
  '"\\x41\\u00e9\\t"',
  '"a b"',
  '-',
  '- x',
  'x: y',
  '"x: y"',
  '[]',
  '{}',
  '[1, 2]',
  '{a: 1}',
  '@x',
  '`x`',
  'a #b',
  "'#'",
];
const NAMES = [
  'team0',
  'team1',
  'bond0',
  't-2',
  'team_3',
  'x',
  'team0.10',
  'a'.repeat(15),
  'a'.repeat(16),
  '"team 0"',
  'team/0',
  "'0123'",
];
const MEMBERS = [
  'nic1',
  'nic2',
  'nic3',
  'nic4',
  'nic9',
  'em1',
  'eth0',
  'eth1',
  'eth2',
  'eth3',
  'p1p1',
  "'eth4'",
  '"eth5"',
];
const RUNNERS = ['activebackup', 'roundrobin', 'broadcast', 'loadbalance', 'lacp', 'random', 'lacpp', ''];
const WATCHERS = ['ethtool', 'arp_ping', 'nsna_ping', 'mii'];
const TEAM_KEY_TYPOS = ['mtuu', 'member', 'bonding_option', 'adresses', 'nmae', 'typ'];
const IGNORED = ['rules', 'dhclient_args', 'nic_mapping', 'persist_mapping'];

export class SpecGen {
  private readonly r: () => number;
  private anchors = 0;
  private traits: string[] = [];
  /** Member names taken by earlier teams of the document (a member in two teams is an error). */
  private taken = new Set<string>();

  constructor(seed: number) {
    this.r = rng(seed);
  }

  private chance(p: number): boolean {
    return this.r() < p;
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  private trait(t: string): void {
    if (!this.traits.includes(t)) this.traits.push(t);
  }

  /** The next document. `spoil`: chance of each kind of mistake (0: only valid documents, save the odd scalar). */
  next(spoil = this.r() * 0.3): GenDoc {
    this.traits = [];
    this.anchors = 0;
    this.taken = new Set();
    const entries: Node[] = [];
    const teams = this.int(0, 4);
    const used = new Set<string>();
    for (let t = 0; t < teams; t++) entries.push(this.team(t, spoil, used));
    for (let i = this.int(0, 2); i > 0; i--) entries.push(this.other(spoil));
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(this.r() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    const top: [string, Node][] = [['network_config', Q(entries)]];
    if (this.chance(spoil * 0.3)) {
      top.push([this.pick(['network_confg', 'extra', 'interface_mapping']), S(this.pick(['1', 'x', '[]']))]);
      this.trait('top-level key');
    }
    if (this.chance(spoil * 0.1)) {
      top[0] = [this.pick(['network_confg', 'Network_config']), top[0]![1]];
      this.trait('misspelt network_config');
    }
    if (this.chance(spoil * 0.1)) {
      top[0] = ['network_config', this.pick([S('1'), S('x'), M([['a', S('1')]]), S('')])];
      this.trait('network_config not a list');
    }
    let text = this.write(M(top), 0, true);
    text = this.decorate(text, spoil);
    return { text, traits: this.traits };
  }

  private team(t: number, spoil: number, used: Set<string>): Node {
    const pairs: [string, Node][] = [];
    pairs.push([
      'type',
      S(
        this.chance(spoil * 0.1)
          ? (this.trait('team type typo'), this.pick(['teem', 'Team', 'linux_tem']))
          : this.pick(['team', 'linux_team']),
      ),
    ]);
    let name = this.chance(spoil * 0.3) ? this.pick(NAMES) : `team${t}`;
    if (used.has(name) && !this.chance(spoil)) name = `team${t}x`;
    used.add(name);
    pairs.push(['name', S(name)]);
    if (this.chance(0.8)) pairs.push(['bonding_options', this.bondingOptions(spoil)]);
    pairs.push(['members', Q(this.members(spoil))]);
    if (this.chance(0.4))
      pairs.push(['use_dhcp', S(this.chance(spoil) ? this.pick(ODD) : this.pick(['true', 'false', 'True']))]);
    if (this.chance(0.5)) {
      const addrs = Array.from({ length: this.int(1, 2) }, (_, i) =>
        M([
          [
            'ip_netmask',
            S(
              this.chance(spoil * 0.5)
                ? this.pick(['192.0.2.300/24', '2001:db8::1/64', 'x', '10.0.0.1', '1'])
                : `192.0.2.${10 + t * 4 + i}/24`,
            ),
          ],
        ]),
      );
      pairs.push(['addresses', Q(addrs)]);
    }
    if (this.chance(0.3))
      pairs.push([
        'routes',
        Q([
          M([
            ['ip_netmask', S('198.51.100.0/24')],
            [this.pick(['next_hop', 'nexthop']), S('192.0.2.1')],
          ]),
        ]),
      ]);
    if (this.chance(0.3))
      pairs.push(['dns_servers', Q([S('192.0.2.53'), ...(this.chance(spoil) ? [S(this.pick(ODD))] : [])])]);
    if (this.chance(0.4))
      pairs.push([
        'mtu',
        S(
          this.chance(spoil)
            ? this.pick(['100', '70000', '"1500"', '1500.5', '0x5dc', '9000', ...ODD])
            : this.pick(['1500', '9000']),
        ),
      ]);
    if (this.chance(0.2)) pairs.push(['onboot', S(this.pick(['true', 'false']))]);
    if (this.chance(spoil * 0.3)) {
      pairs.push([this.pick(TEAM_KEY_TYPOS), S('1')]);
      this.trait('unknown key');
    }
    if (this.chance(spoil * 0.2)) {
      pairs.push([this.pick(IGNORED), S('x')]);
      this.trait('ignored key (warning)');
    }
    if (this.chance(spoil * 0.2)) {
      const [k, v] = this.pick(pairs);
      pairs.splice(this.int(0, pairs.length), 0, [k, v]);
      this.trait('duplicate key');
    }
    if (this.chance(spoil * 0.1)) {
      const i = this.int(0, pairs.length - 1);
      pairs[i] = [pairs[i]![0], this.pick([S('[]'), S('{}'), S('1'), S('~'), Q([S('x')])])];
      this.trait('wrong type');
    }
    return M(pairs);
  }

  private members(spoil: number): Node[] {
    const n = this.chance(spoil * 0.1) ? 0 : this.int(1, 3);
    const out: Node[] = [];
    const names = new Set<string>();
    for (let i = 0; i < n; i++) {
      let name = this.pick(MEMBERS);
      if ((names.has(name) || this.taken.has(name)) && !this.chance(spoil)) continue;
      names.add(name);
      this.taken.add(name);
      if (this.chance(spoil * 0.1)) name = this.pick(ODD);
      const pairs: [string, Node][] = [
        ['type', S(this.chance(spoil * 0.1) ? this.pick(['vlan', 'interfac', '1']) : 'interface')],
        ['name', S(name)],
      ];
      if (i === 0 && this.chance(0.5)) pairs.push(['primary', S(this.chance(spoil * 0.3) ? this.pick(ODD) : 'true')]);
      if (this.chance(0.15))
        pairs.push([
          'prio',
          S(this.chance(spoil) ? this.pick(['"10"', '1.5', '99999999999', 'x']) : String(this.int(-10, 100))),
        ]);
      if (this.chance(0.1)) pairs.push(['mtu', S(this.pick(['9000', '1500', '60']))]);
      if (this.chance(spoil * 0.1)) pairs.push([this.pick(['use_dhcp', 'hotplug', 'linkdelay']), S('true')]);
      out.push(M(pairs));
    }
    return out;
  }

  private bondingOptions(spoil: number): Node {
    const runner = this.chance(spoil * 0.3) ? this.pick(RUNNERS) : this.pick(RUNNERS.slice(0, 5));
    const parts = [`"runner": {"name": "${runner}"}`];
    if (this.chance(0.4))
      parts.push(`"link_watch": {"name": "${this.chance(spoil * 0.3) ? this.pick(WATCHERS) : 'ethtool'}"}`);
    if (this.chance(0.2))
      parts.push(`"notify_peers": {"count": ${this.chance(spoil) ? '"x"' : String(this.int(0, 5))}}`);
    let json = `{${parts.join(', ')}}`;
    if (this.chance(spoil * 0.3)) {
      this.trait('bad teamd JSON');
      json = this.pick([
        json.slice(0, -1),
        `${json},`,
        json.replace(/"/, "'"),
        json.replace('{"name"', '{"name": 1, "name"'),
        `{"runner": 1, "runner": {}}`,
        'mode=active-backup miimon=100',
        '',
        'null',
        '[]',
        `${json} x`,
        json.replace(': ', ' '),
      ]);
    }
    if (this.chance(0.15) && !this.chance(spoil * 0.5)) {
      this.trait('bonding_options as a mapping');
      return M([['runner', M([['name', S(runner)]])]]);
    }
    // The JSON as a YAML scalar: single-quoted (the usual), double-quoted (escaped) or, without quotes inside, plain.
    const style = this.r();
    if (style < 0.6) return S(`'${json.replace(/'/g, "''")}'`);
    if (style < 0.9 || json.startsWith('{') || json === '' || json.includes(': ') || json.includes(' #'))
      return S(JSON.stringify(json));
    return S(json);
  }

  private other(spoil: number): Node {
    const type = this.pick([
      'interface',
      'vlan',
      'linux_bond',
      'ovs_bridge',
      'route_table',
      ...(this.chance(spoil) ? ['teem', '1'] : []),
    ]);
    const pairs: [string, Node][] = [
      ['type', S(type)],
      ['name', S(this.pick(['nic1', 'br0', 'vlan10', 'bond0']))],
    ];
    if (this.chance(0.3)) pairs.push(['use_dhcp', S('true')]);
    if (type === 'ovs_bridge' && this.chance(0.5)) {
      pairs.push([
        'members',
        Q([
          M([
            ['type', S('team')],
            ['name', S('team9')],
            [
              'members',
              Q([
                M([
                  ['type', S('interface')],
                  ['name', S('nic3')],
                ]),
              ]),
            ],
          ]),
        ]),
      ]);
      this.trait('nested team');
    }
    if (this.chance(spoil * 0.1)) return this.pick([S('x'), S('1'), Q([S('a')])]);
    return M(pairs);
  }

  // ---- writing ----

  private comment(): string {
    return this.chance(0.03)
      ? (this.trait('comments'), `  # ${this.pick(['note', 'x: y', "it's", '- a', '"q"'])}`)
      : '';
  }

  /** Flow form of a node (on one line). */
  private flow(n: Node): string {
    if (n.kind === 'scalar') return n.text === '' ? "''" : n.text;
    if (n.kind === 'seq') return `[${n.items.map((x) => this.flow(x)).join(', ')}]`;
    return `{${n.pairs.map(([k, v]) => `${k}: ${this.flow(v)}`).join(', ')}}`;
  }

  private anchor(): string {
    return `a${++this.anchors}`;
  }

  /** Block form of a mapping or sequence at `indent`; `top`: the document root. */
  private write(n: Node, indent: number, top = false): string {
    const pad = ' '.repeat(indent);
    if (n.kind === 'scalar') return `${pad}${n.text}\n`;
    let out = '';
    if (n.kind === 'seq') {
      for (const item of n.items) {
        if (item.kind === 'map' && item.pairs.length > 0 && !this.chance(0.15)) {
          // `- key: v` with the rest of the mapping indented under it, or `-` alone and the mapping on the next lines.
          if (this.chance(0.1)) {
            out += `${pad}-${this.comment()}\n${this.write(item, indent + 2)}`;
          } else {
            const body = this.write(item, indent + 2);
            out += `${pad}- ${body.slice(indent + 2)}`;
          }
        } else out += `${pad}- ${this.inline(item, indent + 2)}`;
      }
      return out;
    }
    const seen: string[] = [];
    for (const [k, v] of n.pairs) {
      seen.push(k);
      const key = this.chance(0.01) ? (this.trait('quoted keys'), this.chance(0.5) ? `'${k}'` : `"${k}"`) : k;
      if ((v.kind === 'map' && v.pairs.length > 0) || (v.kind === 'seq' && v.items.length > 0)) {
        if (!top && this.chance(0.25)) {
          out += `${pad}${key}: ${this.flow(v)}${this.comment()}\n`;
          this.trait('flow collections');
          continue;
        }
        const tag = this.chance(0.01) ? (this.trait('anchors and aliases'), ` &${this.anchor()}`) : '';
        const deeper = v.kind === 'seq' && this.chance(0.5) ? indent : indent + 2;
        out += `${pad}${key}:${tag}${this.comment()}\n${this.write(v, deeper)}`;
      } else out += `${pad}${key}: ${this.inline(v, indent + 2)}`;
    }
    return out;
  }

  /** A node after `key: ` or `- `, ending the line. */
  private inline(n: Node, indent: number): string {
    if (n.kind !== 'scalar') return `${this.flow(n)}${this.comment()}\n`;
    let text = n.text;
    if (this.chance(0.008) && /^[a-z0-9_]+$/i.test(text)) {
      this.trait('anchors and aliases');
      const a = this.anchor();
      return `&${a} ${text}${this.comment()}\n`;
    }
    if (this.chance(0.005) && /^[a-z0-9_]+$/i.test(text)) {
      this.trait('block scalars');
      return `${this.pick(['|', '>', '|-', '>-'])}\n${' '.repeat(indent)}${text}\n`;
    }
    if (this.chance(0.02) && /^[a-z][a-z0-9_]*$/i.test(text)) {
      text = this.chance(0.5) ? `'${text}'` : `"${text}"`;
      this.trait('quoted scalars');
    }
    return `${text}${this.comment()}\n`;
  }

  /** Whole-text changes: aliases to earlier anchors, merge keys, tabs, BOM, CRLF, markers, blank and comment lines. */
  private decorate(text: string, spoil: number): string {
    let t = text;
    if (this.anchors > 0 && this.chance(0.5)) {
      // Replace a later plain value by an alias to an anchor.
      const lines = t.split('\n');
      const i = this.int(0, lines.length - 1);
      const m = /^( *(?:- )?[a-z_]+: )([a-z0-9_]+)$/i.exec(lines[i]!);
      if (m) {
        lines[i] = `${m[1]}*a${this.int(1, this.anchors + (this.chance(spoil * 0.2) ? 1 : 0))}`;
        t = lines.join('\n');
        this.trait('anchors and aliases');
      }
    }
    if (this.chance(0.03)) {
      t = t.replace(/^( +)- type: team\n/m, (all, pad: string) => `${all}${pad}  <<: {mtu: 9000}\n`);
      this.trait('merge keys');
    }
    if (this.chance(0.1)) {
      const lines = t.split('\n');
      lines.splice(this.int(0, lines.length - 1), 0, this.pick(['', '# a comment', '   # indented comment', '  ']));
      t = lines.join('\n');
      this.trait('blank and comment lines');
    }
    if (this.chance(spoil * 0.15)) {
      this.trait('tabs');
      t = this.chance(0.5) ? t.replace(/: (?=\S)/, ':\t') : t.replace(/\n {2}/, '\n\t');
    }
    if (this.chance(0.05)) {
      t = `\ufeff${t}`;
      this.trait('BOM');
    }
    if (this.chance(0.08)) {
      t = this.pick(['---\n', '# header\n---\n', '--- # c\n', '%YAML 1.2\n---\n']) + t;
      this.trait('document markers');
    }
    if (this.chance(0.03)) {
      t += this.pick(['...\n', '---\n', '---\nnetwork_config: []\n']);
      this.trait('document end or a second document');
    }
    if (this.chance(0.05)) {
      t = t.replace(/\n/g, '\r\n');
      this.trait('CRLF');
    }
    if (this.chance(0.1)) {
      t = t.replace(/\n$/, '');
      this.trait('no final newline');
    }
    return t;
  }
}
