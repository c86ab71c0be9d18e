import type * as Yaml from 'yaml';

/**
 * The `yaml` library, loaded on first use. It is slow to load (docs/performance.md), and
 * plan/apply on a valid file never need it (spec/fast-yaml.ts reads those),
 * so nothing on that path may import it eagerly: import its types with
 * `import type` and its values through this.
 */
export const yaml = (): typeof Yaml => require('yaml') as typeof Yaml;
