/**
 * Where things are in JSON text that JSON.parse has already accepted. Pure.
 *
 * Repeated keys: JSON.parse keeps the last of two equal keys without a word; teamd (jansson with
 * JSON_REJECT_DUPLICATES) refuses the whole config. Offsets by path: a problem found in the parsed
 * value (a teamd rule) is reported at the place in the string where it was written.
 *
 * @example
 *   scanJson('{"runner": {}, "runner": {}}').duplicates
 *   // [{ key: 'runner', path: [], at: 15, first: 1 }]
 *   scanJson('{"ports": {"em1": {"sticky": "yes"}}}').offsets.get(pathKey(['ports', 'em1', 'sticky']))  // 19
 */
export interface JsonDuplicate {
  key: string;
  /** The keys (and array indices) of the values around it, outermost first. */
  path: (string | number)[];
  /** Offset of the repeated key's opening quote, and of the first one's. */
  at: number;
  first: number;
}

export interface JsonScan {
  duplicates: JsonDuplicate[];
  /** pathKey(path) → offset of the member's key (its opening quote), or of an array element; the first one wins. */
  offsets: Map<string, number>;
}

/** The key under which scanJson records a path. */
export function pathKey(path: readonly (string | number)[]): string {
  return JSON.stringify(path);
}

export function scanJson(text: string): JsonScan {
  const duplicates: JsonDuplicate[] = [];
  const offsets = new Map<string, number>();
  const mark = (path: (string | number)[], at: number): void => {
    const k = pathKey(path);
    if (!offsets.has(k)) offsets.set(k, at);
  };
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: (string | number)[]): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Map<string, number>();
      for (ws(); text[i] !== '}' && i < text.length; ws()) {
        if (text[i] === ',') {
          i++;
          ws();
        }
        const at = i;
        const key = str();
        const first = seen.get(key);
        if (first !== undefined) duplicates.push({ key, path, at, first });
        else seen.set(key, at);
        mark([...path, key], at);
        ws();
        i++; // ':'
        value([...path, key]);
      }
      i++;
    } else if (c === '[') {
      i++;
      let n = 0;
      for (ws(); text[i] !== ']' && i < text.length; ws()) {
        if (text[i] === ',') {
          i++;
          ws();
        }
        mark([...path, n], i);
        value([...path, n++]);
      }
      i++;
    } else if (c === '"') str();
    else while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  value([]);
  return { duplicates, offsets };
}

/** Repeated keys in JSON text (see scanJson). */
export function duplicateJsonKeys(text: string): JsonDuplicate[] {
  return scanJson(text).duplicates;
}
