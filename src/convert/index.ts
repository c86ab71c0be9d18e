/**
 * Bonds ↔ teams: bonding options ↔ teamd JSON, and the three places bonds
 * live (os-net-config files, ifcfg directories, NetworkManager profiles).
 *
 * @example
 *   bondToTeam('mode=802.3ad lacp_rate=fast').config   // {"runner":{"name":"lacp","tx_hash":["eth"],"fast_rate":true}}
 *   teamToBond({ runner: { name: 'activebackup' } }).text // 'mode=active-backup miimon=100'
 */
export {
  BOND_OPTIONS,
  effective,
  formatBondOptions,
  parseBondOptions,
  type BondOption,
  type BondOptions,
  type ParsedBondOptions,
} from './bond-options';
export { bondToTeam, type BondToTeamOptions, type TeamFromBond } from './bond-to-team';
export { teamToBond, type BondFromTeam, type TeamToBondOptions } from './team-to-bond';
export { convertOsNetConfig, type OncOptions, type OncResult } from './onc';
export { convertIfcfg, type IfcfgOptions, type IfcfgResult } from './ifcfg';
export { parseIfcfg, unquote } from './ifcfg-parse';
export { convertFromNm, planBondToTeam, type BondGroup, type NmConversion } from './from-nm';
export { bondEntry, emitBondSpec } from './emit-bond';
export { convertIfcfgDir, readIfcfgDir, readText } from './read';
export { formatIssue, Issues, type ConvertCode, type ConvertIssue, type Severity } from './issues';
