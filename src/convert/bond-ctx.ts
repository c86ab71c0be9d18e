/**
 * The state one bond → team conversion threads through its small mappers
 * (bond-to-team.ts, bond-link-watch.ts): the options, the config being
 * built, and which options were looked at, so none is dropped unreported.
 */
import type { TeamdJson } from '../core/types';
import { effective, valueName, type BondOption, type BondOptions } from './bond-options';
import type { ConvertCode, Issues } from './issues';

/** Bond mode numbers (bond_mode_tbl). */
export const RR = 0,
  AB = 1,
  XOR = 2,
  BCAST = 3,
  AD = 4,
  TLB = 5,
  ALB = 6;

/** The state one conversion threads through the small mappers below. */
export class BondCtx {
  readonly runner: TeamdJson = {};
  readonly config: TeamdJson = { runner: this.runner };
  readonly ports: Record<string, TeamdJson> = {};
  primary?: string;
  private readonly handled = new Set<string>();
  constructor(
    readonly o: BondOptions,
    readonly issues: Issues,
    readonly members: readonly string[] | undefined,
  ) {}

  get mode(): number {
    return effective(this.o, 'mode');
  }
  get(name: string): BondOption | undefined {
    this.handled.add(name);
    return this.o.get(name);
  }
  eff(name: string): number {
    this.handled.add(name);
    return effective(this.o, name);
  }
  warn(code: ConvertCode, name: string, why: string): void {
    const o = this.o.get(name);
    this.handled.add(name);
    this.issues.add(code, `${name}${o ? `=${o.raw}` : ''}: ${why}`, { option: name });
  }
  /** True when `name` is set and applies in the current mode; otherwise reports it and returns false. */
  applies(name: string, modes: readonly number[], code: ConvertCode = 'NO_EFFECT'): boolean {
    if (!this.get(name)) return false;
    if (modes.includes(this.mode)) return true;
    this.warn(code, name, `has no effect in mode ${valueName('mode', this.mode)}; left out`);
    return false;
  }
  port(name: string, what: string): TeamdJson | undefined {
    if (this.members && !this.members.includes(name)) {
      this.issues.add(
        'UNKNOWN_PORT',
        `${what} names ${name}, which is not a member (${this.members.join(', ') || 'none'}); left out`,
        { option: what },
      );
      return undefined;
    }
    return (this.ports[name] ??= {});
  }
  unhandled(): string[] {
    return [...this.o.keys()].filter((k) => !this.handled.has(k));
  }
}

/** A delay as the driver stores it: a multiple of miimon, rounded down. */
export function roundTo(c: BondCtx, name: string, miimon: number): number {
  const v = c.eff(name);
  const r = Math.floor(v / miimon) * miimon;
  if (r !== v)
    c.issues.add('ROUNDED', `${name}=${v} is not a multiple of miimon=${miimon}; the bond uses ${r}`, { option: name });
  return r;
}
