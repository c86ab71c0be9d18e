import type { Document, Node as YamlNode } from 'yaml';
import { yaml } from '../util/lazy-yaml';

/**
 * Offsets of mapping keys that repeat an earlier key of the same mapping, in one pass over the document.
 *
 * The yaml library's own check (`uniqueKeys: true`) scans every earlier pair of a mapping for each new key, which
 * is quadratic in the keys of one mapping: a mapping of 20,000 keys took seconds, and watch re-reads the file on
 * every change. parse.ts turns it off and calls this instead: the same rule (two keys are equal when they are the
 * same node or scalars with the same value, as the library's default compares them), the same error, one Set per
 * mapping.
 *
 * Contract with the library (checked by test/unit/spec-unique-keys.test.ts against `uniqueKeys: true`): every
 * mapping of the document is a YAMLMap reached by `visit` (aliases are not followed: the library checked a mapping
 * where it was written, not where it is used), and the error stands at the repeated key.
 *
 * @example
 *   duplicateKeyOffsets(parseDocument('a: 1\na: 2\n', { uniqueKeys: false }))   // [5]
 */
export function duplicateKeyOffsets(doc: Document): number[] {
  return duplicateKeys(doc).map((d) => d.at);
}

/** A repeated mapping key: its text (for messages), its offset, and the offset of the first one. */
export interface DuplicateKey {
  key: string;
  at: number;
  first: number;
}

/** duplicateKeyOffsets with what a message needs: which key, and where the first one is. */
export function duplicateKeys(doc: Document): DuplicateKey[] {
  const { isScalar, visit } = yaml();
  const out: DuplicateKey[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Map<unknown, number>();
      for (const pair of map.items) {
        const key = pair.key as YamlNode | null;
        const id = isScalar(key) ? key.value : key;
        const at = key?.range?.[0] ?? map.range?.[0] ?? 0;
        const first = seen.get(id);
        if (first !== undefined) out.push({ key: isScalar(key) ? String(key.value) : String(key), at, first });
        else seen.set(id, at);
      }
    },
  });
  return out;
}
