/**
 * Repeated keys in JSON text. JSON.parse keeps the last of two equal keys without a word; teamd (jansson with
 * JSON_REJECT_DUPLICATES) refuses the whole config. Pure; reads text JSON.parse has already accepted.
 *
 * @example
 *   duplicateJsonKeys('{"runner": {}, "runner": {}}')
 *   // [{ key: 'runner', path: [], at: 15, first: 1 }]
 */
export interface JsonDuplicate {
  key: string;
  /** The keys of the objects around it, outermost first. */
  path: string[];
  /** Offset of the repeated key's opening quote, and of the first one's. */
  at: number;
  first: number;
}

export function duplicateJsonKeys(text: string): JsonDuplicate[] {
  const out: JsonDuplicate[] = [];
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
  const value = (path: string[]): void => {
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
        if (first !== undefined) out.push({ key, path, at, first });
        else seen.set(key, at);
        ws();
        i++; // ':'
        value([...path, key]);
      }
      i++;
    } else if (c === '[') {
      i++;
      for (ws(); text[i] !== ']' && i < text.length; ws()) {
        if (text[i] === ',') i++;
        value(path);
      }
      i++;
    } else if (c === '"') str();
    else while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  value([]);
  return out;
}
