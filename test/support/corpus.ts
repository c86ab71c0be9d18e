/**
 * A deterministic corpus of malformed and hostile desired-state documents
 * (seeded PRNG: the same 500+ documents every run). Each has a name saying
 * what it attacks.
 */

export interface CorpusDoc {
  name: string;
  text: string;
}

/** mulberry32: tiny, seedable, good enough to pick mutations. */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const VALID = `network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "activebackup"}, "link_watch": {"name": "ethtool"}}'
    addresses: [{ip_netmask: 192.0.2.10/24}]
    routes: [{ip_netmask: 198.51.100.0/24, next_hop: 192.0.2.1}]
    dns_servers: [192.0.2.53]
    mtu: 1500
    members:
      - {type: interface, name: eth0, primary: true}
      - {type: interface, name: eth1}
`;

const entry = (fields: string): string => `network_config:\n  - type: team\n${fields}`;
const members = `    members:\n      - {type: interface, name: eth0}\n`;

function brokenYaml(r: () => number): CorpusDoc[] {
  const out: CorpusDoc[] = [];
  for (let i = 0; i < 60; i++) {
    const cut = Math.floor(r() * VALID.length);
    out.push({ name: `truncated at ${cut}`, text: VALID.slice(0, cut) });
  }
  const junk = [
    '{',
    '}',
    '[',
    ']',
    ':',
    '"',
    "'",
    '\t',
    '&',
    '*',
    '!',
    '|',
    '>',
    '%',
    '@',
    '`',
    '\u0000',
    '\n  -',
    '- ',
    ': :',
  ];
  for (let i = 0; i < 80; i++) {
    const at = Math.floor(r() * VALID.length);
    const j = junk[Math.floor(r() * junk.length)]!;
    out.push({ name: `junk ${JSON.stringify(j)} at ${at}`, text: VALID.slice(0, at) + j + VALID.slice(at) });
  }
  for (let i = 0; i < 40; i++) {
    const at = Math.floor(r() * VALID.length);
    const len = 1 + Math.floor(r() * 8);
    out.push({ name: `deleted ${len} chars at ${at}`, text: VALID.slice(0, at) + VALID.slice(at + len) });
  }
  out.push({ name: 'tab indentation', text: VALID.replace(/\n {4}/g, '\n\t') });
  out.push({ name: 'two documents', text: `${VALID}---\n${VALID}` });
  out.push({ name: 'duplicate key', text: VALID.replace('    mtu: 1500\n', '    mtu: 1500\n    mtu: 9000\n') });
  out.push({ name: 'empty', text: '' });
  out.push({ name: 'only a comment', text: '# nothing\n' });
  out.push({ name: 'a scalar', text: 'hello\n' });
  out.push({ name: 'a list at the top', text: '- type: team\n' });
  out.push({
    name: 'binary garbage',
    text: Buffer.from(Array.from({ length: 300 }, () => Math.floor(r() * 256))).toString('latin1'),
  });
  return out;
}

const WRONG_VALUES = [
  '123',
  'true',
  'null',
  '[]',
  '{}',
  '"a string"',
  '[1, 2]',
  '{a: 1}',
  '-1',
  '1.5',
  '0x10',
  '.inf',
  '~',
  "''",
];
const KEYS = [
  'name',
  'bonding_options',
  'members',
  'addresses',
  'routes',
  'dns_servers',
  'mtu',
  'use_dhcp',
  'onboot',
  'defroute',
  'domain',
];

function wrongTypes(): CorpusDoc[] {
  const out: CorpusDoc[] = [];
  for (const key of KEYS) {
    for (const v of WRONG_VALUES) {
      const line = new RegExp(`^    ${key}:.*\\n(?:(?: {6}.*)\\n)*`, 'm');
      const base = VALID.match(line) ? VALID : VALID.replace('    members:', `    ${key}: x\n    members:`);
      out.push({ name: `${key}: ${v}`, text: base.replace(line, `    ${key}: ${v}\n`).replace(/\n?$/, '\n') });
    }
  }
  for (const v of WRONG_VALUES) {
    out.push({ name: `member name: ${v}`, text: VALID.replace('name: eth1}', `name: ${v}}`) });
    out.push({ name: `primary: ${v}`, text: VALID.replace('name: eth1}', `name: eth1, primary: ${v}}`) });
    out.push({
      name: `member type: ${v}`,
      text: VALID.replace('{type: interface, name: eth1}', `{type: ${v}, name: eth1}`),
    });
    out.push({ name: `network_config: ${v}`, text: `network_config: ${v}\n` });
    out.push({ name: `entry: ${v}`, text: `network_config:\n  - ${v}\n` });
  }
  return out;
}

function hostileJson(): CorpusDoc[] {
  const bo = (json: string, name: string): CorpusDoc => ({
    name: `bonding_options ${name}`,
    text: entry(`    name: team0\n    bonding_options: ${JSON.stringify(json)}\n${members}`),
  });
  return [
    bo('{"runner": {"name": "activebackup"}, "__proto__": {"polluted": true}}', '__proto__'),
    bo('{"constructor": {"prototype": {"polluted": true}}}', 'constructor.prototype'),
    bo('{"runner": 1, "runner": {"name": "lacp"}}', 'duplicate keys'),
    bo('{"runner": {"name": "activebackup\\u0000"}}', 'NUL in runner name'),
    bo('{"runner": {"name": "x\\"}, \\"link_watch\\": {\\"name\\": \\"arp_ping\\"}}"}}', 'quote injection'),
    bo('{"runner": {"name": "lacp", "sys_prio": 1e400}}', 'infinite number'),
    bo('{"runner": {"name": "lacp", "min_ports": -99999999999999999999}}', 'huge negative'),
    bo('{"device": "eth0; reboot"}', 'device with shell'),
    bo('{"ports": {"../../etc/passwd": {"prio": 1}}}', 'ports path traversal'),
    bo('{"ports": {"eth0": {"prio": "$(reboot)"}}}', 'port prio shell'),
    bo('{"link_watch": [' + '{"name": "ethtool"},'.repeat(2000) + '{"name": "ethtool"}]}', '2001 link watchers'),
    bo('['.repeat(5000) + ']'.repeat(5000), 'deep JSON arrays'),
    bo('{"a":'.repeat(3000) + '1' + '}'.repeat(3000), 'deep JSON objects'),
    bo('{"runner": {"name": "' + 'A'.repeat(100000) + '"}}', 'long runner name'),
    bo('{"runner": {"name": "activebackup"}} trailing', 'trailing garbage'),
    bo('{"runner": {"name": "activebackup"},}', 'trailing comma'),
    bo("{'runner': {'name': 'activebackup'}}", 'single quotes'),
    bo('null', 'null'),
    bo('"just a string"', 'a JSON string'),
    bo('', 'empty string'),
    bo('{"runner": {"name": "activebackup", "hwaddr_policy": {"$ne": 1}}}', 'operator object'),
    bo('{"link_watch": {"name": "arp_ping", "target_host": "192.0.2.1\\nrm -rf /"}}', 'newline in host'),
  ];
}

function oddNames(): CorpusDoc[] {
  const names = [
    '"team 0"',
    'team/0',
    'team:0',
    '"."',
    '".."',
    'abcdefghijklmnop',
    '"ééééééééé"',
    '"😀😀😀😀"',
    "''",
    '"team\\t0"',
    '"$(reboot)"',
    '"`id`"',
    '"eth0;ls"',
    '"-rf"',
    '"team\\u00000"',
    '"a b"',
    'team0 ',
    '"\\u202eteam"',
    '"x\\u00a0y"',
    '0123456789abcdef',
  ];
  const out: CorpusDoc[] = [];
  for (const n of names) {
    out.push({ name: `team name ${n}`, text: entry(`    name: ${n}\n${members}`) });
    out.push({
      name: `member name ${n}`,
      text: entry(`    name: team0\n    members:\n      - {type: interface, name: ${n}}\n`),
    });
  }
  return out;
}

function huge(): CorpusDoc[] {
  const many = Array.from({ length: 3000 }, (_, i) => `      - {type: interface, name: m${i}}`).join('\n');
  const deep = 'network_config:\n' + '  '.repeat(1) + '- '.repeat(2000) + 'x\n';
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++)
    bomb.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`,
    );
  return [
    { name: '3000 members', text: entry(`    name: team0\n    members:\n${many}\n`) },
    { name: '2000-deep sequence', text: deep },
    { name: 'flow nesting 3000 deep', text: `network_config: ${'['.repeat(3000)}${']'.repeat(3000)}\n` },
    { name: 'billion laughs', text: `${bomb.join('\n')}\nnetwork_config: *i\n` },
    {
      name: '3 MB string',
      text: entry(`    name: team0\n    bonding_options: '${'x'.repeat(3_000_000)}'\n${members}`),
    },
    {
      name: '500 teams',
      text:
        'network_config:\n' +
        Array.from(
          { length: 500 },
          (_, i) => `  - {type: team, name: t${i}, members: [{type: interface, name: p${i}}]}`,
        ).join('\n') +
        '\n',
    },
  ];
}

function semantic(): CorpusDoc[] {
  return [
    { name: 'two primaries', text: VALID.replace('name: eth1}', 'name: eth1, primary: true}') },
    { name: 'member twice', text: VALID.replace('name: eth1}', 'name: eth0}') },
    {
      name: 'member in two teams',
      text: VALID + '  - {type: team, name: team1, members: [{type: interface, name: eth1}]}\n',
    },
    {
      name: 'team named like a member',
      text: VALID + '  - {type: team, name: eth0, members: [{type: interface, name: eth2}]}\n',
    },
    { name: 'unknown runner', text: VALID.replace('activebackup', 'lacpp') },
    { name: 'unknown link watcher', text: VALID.replace('"ethtool"', '"mii"') },
    { name: 'unknown key', text: VALID.replace('    mtu: 1500', '    mtuu: 1500') },
    { name: 'unknown nic', text: VALID.replace('name: eth1}', 'name: nic7}') },
    {
      name: 'ports for a non-member',
      text: VALID.replace('"link_watch"', '"ports": {"eth9": {"prio": 1}}, "link_watch"'),
    },
    {
      name: 'ports conflicting with member',
      text: VALID.replace('"link_watch"', '"ports": {"eth0": {"prio": 5}}, "link_watch"'),
    },
  ];
}

/** Mutate the valid document at the YAML level: drop, duplicate or swap lines. */
function lineMutations(r: () => number): CorpusDoc[] {
  const lines = VALID.split('\n');
  const out: CorpusDoc[] = [];
  for (let i = 0; i < 60; i++) {
    const l = [...lines];
    const a = Math.floor(r() * (l.length - 1));
    const b = Math.floor(r() * (l.length - 1));
    const kind = Math.floor(r() * 3);
    if (kind === 0) l.splice(a, 1);
    else if (kind === 1) l.splice(a, 0, l[a]!);
    else [l[a], l[b]] = [l[b]!, l[a]!];
    out.push({ name: `line mutation ${['drop', 'dup', 'swap'][kind]} ${a}/${b}`, text: l.join('\n') });
  }
  return out;
}

/** Valid documents that touch what the sandbox already has (unowned profiles): must plan, with conflicts. */
export function conflictDocs(): CorpusDoc[] {
  return [
    { name: 'team named like an unowned team profile', text: entry(`    name: legacy0\n${members}`) },
    {
      name: 'member with an unowned profile',
      text: entry(`    name: team0\n    members:\n      - {type: interface, name: eth3}\n`),
    },
  ];
}

export function corpus(seed = 20261121): CorpusDoc[] {
  const r = rng(seed);
  return [
    ...brokenYaml(r),
    ...wrongTypes(),
    ...hostileJson(),
    ...oddNames(),
    ...huge(),
    ...semantic(),
    ...lineMutations(r),
    ...conflictDocs(),
  ];
}
