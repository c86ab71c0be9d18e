import { parseSpec, MAX_SPEC_CHARS, type ParseResult } from '../../src/spec/parse';

/** The result is always one of the two documented shapes, and every error is complete. */
function wellFormed(res: ParseResult): void {
  if (res.ok) {
    expect(Array.isArray(res.spec.teams)).toBe(true);
    return;
  }
  expect(res.errors.length).toBeGreaterThan(0);
  for (const e of res.errors) {
    expect(typeof e.code).toBe('string');
    expect(typeof e.message).toBe('string');
    expect(e.file).toBe('h.yaml');
  }
}

const run = (text: string): ParseResult => {
  let res: ParseResult | undefined;
  expect(() => {
    res = parseSpec(text, { file: 'h.yaml', nics: { nic1: 'em1' } });
  }).not.toThrow();
  wellFormed(res as ParseResult);
  return res as ParseResult;
};

const code = (res: ParseResult): string[] => (res.ok ? [] : res.errors.map((e) => e.code));

describe('hostile input never throws', () => {
  it('alias bomb ("billion laughs")', () => {
    const levels = 'abcdefghij'.split('');
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < levels.length; i++)
      lines.push(
        `${levels[i]}: &${levels[i]} [${Array(9)
          .fill(`*${levels[i - 1]}`)
          .join(', ')}]`,
      );
    lines.push('network_config: *j');
    expect(code(run(lines.join('\n')))).toEqual(['YAML_SYNTAX']);
  });

  // Deep YAML never reaches a YAML library (src/spec/depth.ts); deep JSON inside a string is teamd's JSON.
  it.each([
    ['deep flow sequences', '['.repeat(50000), 'YAML_SYNTAX'],
    ['deep closed sequences', `network_config: ${'['.repeat(5000)}${']'.repeat(5000)}`, 'YAML_SYNTAX'],
    ['deep block mappings', Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'), 'SPEC_INVALID'], // 4.5 MB: over the size limit first
    [
      'deep block mappings, small',
      Array.from({ length: 500 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
      'YAML_SYNTAX',
    ],
    [
      'deep bonding_options JSON',
      `network_config: [{type: team, name: t, bonding_options: '${'['.repeat(20000)}'}]`,
      'TEAMD_JSON_SYNTAX',
    ],
    [
      'deep valid bonding_options JSON',
      `network_config: [{type: team, name: t, bonding_options: '{"a":${'['.repeat(3000)}${']'.repeat(3000)}}'}]`,
      undefined,
    ],
    [
      'deep bonding_options mapping',
      `network_config: [{type: team, name: t, bonding_options: ${'{a: '.repeat(2000)}1${'}'.repeat(2000)}}]`,
      'YAML_SYNTAX',
    ],
  ])('%s', (_n, text, first) => {
    const res = run(text);
    if (first) expect(code(res)[0]).toBe(first);
    if (first === 'YAML_SYNTAX')
      expect(res).toMatchObject({ errors: [{ message: 'the document nests deeper than 100 levels' }] });
  });

  it('a document over the size limit', () => {
    expect(code(run(`# ${'x'.repeat(MAX_SPEC_CHARS)}\nnetwork_config: []\n`))).toEqual(['SPEC_INVALID']);
  });

  it.each([
    ['collection key', 'network_config:\n  - type: team\n    name: t\n    ? [a, b]\n    : c\n'],
    ['numeric key', 'network_config:\n  - {type: team, name: t, 1: x}\n'],
    ['null key', 'network_config:\n  - {type: team, name: t, ~: x}\n'],
    ['boolean key', 'network_config:\n  - {type: team, name: t, true: x}\n'],
    [
      '__proto__ keys',
      `network_config:\n  - type: team\n    name: t\n    __proto__: {polluted: true}\n    bonding_options: '{"__proto__": {"x": 1}, "ports": {"__proto__": {"prio": 1}}}'\n    members: [{type: interface, name: __proto__}]\n`,
    ],
    [
      'constructor as a ports key',
      'network_config:\n  - {type: team, name: t, bonding_options: {ports: {constructor: {prio: 1}}}, members: []}\n',
    ],
    [
      'nicN named like an Object.prototype key',
      'network_config:\n  - {type: team, name: t, members: [{type: interface, name: toString}, {type: interface, name: nic0}]}\n',
    ],
    [
      '.inf and .nan in teamd options',
      'network_config:\n  - {type: team, name: t, bonding_options: {runner: {tx_balancer: {balancing_interval: .inf}}}, members: [{type: interface, name: em1, prio: .nan}]}\n',
    ],
    ['tags and binary', 'network_config:\n  - !!binary aGVsbG8=\n  - !custom {type: team}\n'],
    ['a BOM and CRLF line ends', '\ufeffnetwork_config:\r\n  - {type: team, name: t}\r\n'],
    [
      'NUL and control bytes',
      'network_config:\n  - {type: team, name: "t\\0x", members: [{type: interface, name: "\\u0007"}]}\n',
    ],
    [
      'unicode names',
      'network_config:\n  - {type: team, name: 团队, members: [{type: interface, name: "😀😀😀😀"}]}\n',
    ],
    ['lone surrogate in a name', 'network_config:\n  - {type: team, name: "\\ud800"}\n'],
    ['a scalar document', '42'],
    ['a list document', '- a\n- b\n'],
    ['only a comment', '# nothing\n'],
    ['huge integer', 'network_config:\n  - {type: team, name: t, mtu: 99999999999999999999999999}\n'],
    [
      'many entries',
      `network_config:\n${'  - {type: team, name: t, members: [{type: interface, name: em1, primary: true}, {type: interface, name: em1, primary: true}]}\n'.repeat(300)}`,
    ],
  ])('%s', (_n, text) => {
    run(text);
  });

  it('no prototype pollution from user keys', () => {
    run(
      `network_config:\n  - {type: team, name: t, bonding_options: '{"__proto__": {"polluted": 1}}', members: [{type: interface, name: em1}]}\n`,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('non-string input', () => {
    for (const v of [undefined, null, 42, {}, Buffer.from('network_config: []')]) {
      expect(() => parseSpec(v as unknown as string, { file: 'h.yaml' })).not.toThrow();
    }
  });

  it('random mutations of a valid document', () => {
    const base = `network_config:
  - type: team
    name: team0
    use_dhcp: true
    bonding_options: '{"runner": {"name": "activebackup"}, "ports": {"em2": {"prio": 3}}}'
    addresses: [{ip_netmask: '2001:db8::1/64'}]
    routes: [{default: true, next_hop: 192.0.2.1}]
    members:
      - {type: interface, name: nic1, primary: true}
      - {type: interface, name: em2}
`;
    const alphabet = ' :-{}[],\'"&*!|>#%@`\n\t\\0aZ9';
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648; // deterministic LCG
      return seed % n;
    };
    for (let i = 0; i < 400; i++) {
      const chars = base.split('');
      for (let k = 0; k < 1 + rand(4); k++) chars[rand(chars.length)] = alphabet[rand(alphabet.length)];
      run(chars.join(''));
    }
  });
});
