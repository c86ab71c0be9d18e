/**
 * Lookups and writes keyed by input. A teamd JSON key or a YAML key is data: `__proto__`, `constructor` or
 * `toString` must find nothing in a table of known options (not Object.prototype's members) and must land as an
 * own property when copied (not replace the copy's prototype).
 *
 * @example
 *   own(TEAM_FIELDS, '__proto__')   // undefined: an unknown option, reported as such
 *   setOwn(out, '__proto__', {})    // out.__proto__ is now an own, enumerable property
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** Own-property write that is safe for keys like `__proto__` coming from user data. */
export function setOwn<T>(obj: { [key: string]: T }, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
