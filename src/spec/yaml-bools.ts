/**
 * teamd options written as YAML (bonding_options as a mapping, a member's `sticky`, `link_watch`) take the
 * same booleans as os-net-config's own keys (schema.ts oncBool): `sticky: yes` is `"sticky": true` in the
 * teamd JSON NetworkManager receives. Only where teamd reads a boolean (the tables in teamd/defaults.ts):
 * a `yes` anywhere else stays the string it is. A bonding_options JSON string is never passed through here:
 * there, as for teamd, only JSON's true and false are booleans.
 */
import type { JsonValue } from '../core/types';
import { type Field, LINK_WATCH_FIELDS, PORT_FIELDS, RUNNER_FIELDS, TEAM_FIELDS } from '../teamd/defaults';
import { own } from '../util/own';
import { isObj, oncBool, setOwn } from './schema';

type Fields = Readonly<Record<string, Field>>;
type Nested = Readonly<Record<string, (v: JsonValue) => JsonValue>>;

/** A copy of `obj` with each boolean field's os-net-config word made a boolean, and `nested` keys mapped. */
function withBools(v: JsonValue, fields: Fields, nested: Nested = {}): JsonValue {
  if (!isObj(v)) return v;
  const out: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(v as { [key: string]: JsonValue })) {
    const spec = own(fields, key)?.spec;
    const map = own(nested, key);
    let next = value;
    if (map) next = map(value);
    else if (spec?.kind === 'bool') next = oncBool(value) ?? value;
    else if (spec?.kind === 'object') next = withBools(value, spec.fields);
    setOwn(out, key, next);
  }
  return out;
}

const watcher = (v: JsonValue): JsonValue => withBools(v, LINK_WATCH_FIELDS);
const watchers = (v: JsonValue): JsonValue => (Array.isArray(v) ? v.map(watcher) : watcher(v));
const port = (v: JsonValue): JsonValue => withBools(v, PORT_FIELDS, { link_watch: watchers });
const ports = (v: JsonValue): JsonValue => {
  if (!isObj(v)) return v;
  const out: { [key: string]: JsonValue } = {};
  for (const [name, p] of Object.entries(v as { [key: string]: JsonValue })) setOwn(out, name, port(p));
  return out;
};

/**
 * A team's teamd config written as a YAML mapping, with os-net-config's boolean words made booleans.
 *
 * @example
 *   # bonding_options: {runner: {name: lacp, fast_rate: yes}}  →  {"runner": {"name": "lacp", "fast_rate": true}}
 */
export function teamYamlBools(v: JsonValue): JsonValue {
  return withBools(v, TEAM_FIELDS, { runner: (r) => withBools(r, RUNNER_FIELDS), link_watch: watchers, ports });
}

/**
 * A port's teamd config written as YAML on a member, with os-net-config's boolean words made booleans.
 *
 * @example
 *   # - {type: interface, name: em1, sticky: yes}  →  {"sticky": true}
 */
export function portYamlBools(v: JsonValue): JsonValue {
  return port(v);
}
