/**
 * teamd's config language (teamd.conf(5)): validation and normalization.
 * Pure: no I/O. Uses teamd's own words (`runner`, `link_watch`, `ports`).
 *
 * CONTRACT (implemented in validate.ts / normalize.ts):
 *   validateTeamConfig(cfg)  → TeamdIssue[]   team-level document, may contain a `ports` section
 *   validatePortConfig(cfg)  → TeamdIssue[]   one port's config
 *   normalizeTeamConfig(cfg) → TeamdJson      canonical form for comparison
 *   normalizePortConfig(cfg) → TeamdJson
 *   canonicalJson(value)     → string         sorted keys, no spaces
 */
export * from './validate';
export * from './normalize';
