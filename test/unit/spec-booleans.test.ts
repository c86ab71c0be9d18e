/**
 * One boolean rule (issue 18): every value written in YAML, os-net-config's keys and teamd options alike,
 * takes os-net-config's booleans (schema.yaml bool_or_param); inside a bonding_options JSON string, JSON's.
 */
import { parseSpec } from '../../src/spec/parse';
import type { Spec } from '../../src/core/types';
import { team } from '../support/spec-doc';

const NC = 'network_config[0]';
const spec = (text: string, fastPath = true): Spec => {
  const res = parseSpec(text, { file: 'f.yaml', fastPath });
  if (!res.ok) throw new Error(res.errors.map((e) => e.format()).join('\n'));
  return res.spec;
};
const errors = (text: string): string[] => {
  const res = parseSpec(text, { file: 'f.yaml' });
  if (res.ok) throw new Error('accepted');
  return res.errors.map((e) => e.format());
};
const AB = `bonding_options: '{"runner": {"name": "activebackup"}}'`;
const WORDS = "true or false (os-net-config's words yes/no, on/off, y/n, t/f and the strings '1'/'0' count too)";

describe("os-net-config's booleans for every key written in YAML", () => {
  const TRUE = ['true', 'True', 'yes', 'Yes', 'YES', 'on', 'On', 'y', 't', "'true'", '"1"', "'on'"];
  const FALSE = ['false', 'no', 'No', 'off', 'n', 'f', "'false'", '"0"'];
  it.each([...TRUE.map((w) => [w, true] as const), ...FALSE.map((w) => [w, false] as const)])(
    '%s is %s for primary, sticky, use_dhcp and onboot',
    (word, want) => {
      const text = team(
        [AB, `use_dhcp: ${word}`, `onboot: ${word}`],
        [`{type: interface, name: em1, primary: ${word}, sticky: ${word}}`, '{type: interface, name: em2}'],
      );
      for (const fastPath of [true, false]) {
        const [t] = spec(text, fastPath).teams;
        expect(t!.ipv4.method).toBe(want ? 'auto' : 'disabled');
        expect(t!.autoconnect).toBe(want);
        expect(t!.ports[0]!.config).toEqual(want ? { sticky: true, prio: 100 } : { sticky: false });
      }
    },
  );

  it('teamd booleans written as a YAML mapping take the same words; other teamd values stay as written', () => {
    const [t] = spec(
      team(
        [
          'bonding_options: {runner: {name: lacp, fast_rate: yes, active: off}, ' +
            'link_watch: {name: arp_ping, target_host: 192.0.2.1, validate_active: on}}',
        ],
        ['{type: interface, name: em1, link_watch: {name: arp_ping, target_host: 192.0.2.1, send_always: y}}'],
      ),
    ).teams;
    expect(t!.config).toEqual({
      runner: { name: 'lacp', fast_rate: true, active: false },
      link_watch: { name: 'arp_ping', target_host: '192.0.2.1', validate_active: true },
    });
    expect(t!.ports[0]!.config).toEqual({
      link_watch: { name: 'arp_ping', target_host: '192.0.2.1', send_always: true },
    });
    expect(errors(team(["bonding_options: {runner: {name: 'on'}}"]))[0]).toContain(
      "runner.name 'on' is not a teamd runner",
    );
  });

  it('a ports section written as YAML: sticky: yes is true', () => {
    const [t] = spec(team(['bonding_options: {runner: {name: activebackup}, ports: {em2: {sticky: yes}}}'])).teams;
    expect(t!.ports[1]!.config).toEqual({ sticky: true });
  });

  it("a number is not a boolean (os-net-config's schema refuses it too): located, with the words that count", () => {
    expect(errors(team([], ['{type: interface, name: em1, primary: 1}']))).toEqual([
      `f.yaml:5:47: ${NC}.members[0].primary: must be ${WORDS}, got number 1`,
    ]);
    expect(errors(team(['use_dhcp: maybe']))).toEqual([
      `f.yaml:4:15: ${NC}.use_dhcp: must be ${WORDS}, got string "maybe"`,
    ]);
  });
});

describe("inside a bonding_options JSON string, teamd's JSON: true and false only", () => {
  it.each([
    ['"yes"', 'true'],
    ['"true"', 'true'],
    ['"off"', 'false'],
    ['1', 'true'],
  ])('%s is refused at its key inside the string, saying to write %s', (value, write) => {
    const text = team([
      `bonding_options: '{"runner": {"name": "activebackup"}, "ports": {"em2": {"sticky": ${value}}}}'`,
    ]);
    const shown = value.startsWith('"') ? `string ${value}` : `number ${value}`;
    expect(errors(text)).toEqual([
      `f.yaml:4:78: ${NC}.bonding_options.ports.em2.sticky: ` +
        `ports.em2.sticky must be true or false (a JSON boolean), got ${shown}: ` +
        `teamd's JSON takes only true or false, without quotes (write ${write}); ` +
        'words like yes/on/1 are booleans only in the YAML around it',
    ]);
  });

  it('JSON true is accepted', () => {
    const [t] = spec(
      team([`bonding_options: '{"runner": {"name": "activebackup"}, "ports": {"em2": {"sticky": true}}}'`]),
    ).teams;
    expect(t!.ports[1]!.config).toEqual({ sticky: true });
  });
});
