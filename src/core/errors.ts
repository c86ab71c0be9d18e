/**
 * One error type for the whole tool. Retry and exit-code decisions read `code`,
 * never the message text.
 */
export type ErrorCode =
  // desired-state document
  | 'YAML_SYNTAX' // the YAML itself does not parse
  | 'SPEC_INVALID' // wrong type, missing key, bad value
  | 'UNKNOWN_KEY' // a key the schema does not know (message carries "did you mean")
  | 'TEAMD_JSON_SYNTAX' // bonding_options string is not JSON
  | 'TEAMD_INVALID' // teamd config fails teamd's rules (unknown runner, bad link watcher, ...)
  | 'TWO_PRIMARIES'
  | 'DUPLICATE_MEMBER' // a member listed twice, or in two teams
  | 'DUPLICATE_TEAM'
  | 'NAME_CLASH' // a team named like a member
  | 'BAD_IFNAME' // not a valid kernel interface name
  | 'PORTS_NOT_MEMBER' // bonding_options.ports names an interface that is not a member
  | 'UNKNOWN_NIC' // nicN that does not resolve
  | 'FILE_READ' // the file cannot be read
  // warnings (errors only with --strict)
  | 'IGNORED_KEY' // an os-net-config key nmteam accepts but cannot map to NetworkManager
  | 'NESTED_TEAM' // a team nested in another entry's members: nmteam manages top-level teams only
  | 'PRIO_IGNORED' // primary/prio on a member of a team whose runner ignores port priority
  | 'DEFAULT_FILLED' // a value NetworkManager needs that the file leaves out, filled in (a rule's priority)
  | 'UNMAPPED_OPTION' // part of a value NetworkManager has no setting for (an ethtool_opts option): left out
  // NetworkManager side
  | 'NM_UNAVAILABLE' // bus or NetworkManager not reachable
  | 'NM_TOO_OLD' // NetworkManager older than the oldest version nmteam supports (src/nm/version.ts): exit 4
  | 'NM_TIMEOUT' // a D-Bus call did not answer in time
  | 'NM_UNRESPONSIVE' // NetworkManager stopped answering during a run: nmteam stopped calling it, the journal is kept
  | 'NM_PERMISSION'
  | 'NM_NO_TEAM_CAPABILITY'
  | 'NM_INVALID_SETTINGS' // NetworkManager rejected a profile
  | 'NM_NOT_FOUND' // object vanished (deleted between read and write)
  | 'NM_ACTIVATION_FAILED'
  | 'NM_CHECKPOINT_BUSY' // a device is already in another checkpoint (another tool's, or a crashed run's)
  | 'NM_ERROR' // any other D-Bus error
  | 'STALE_PLAN' // a saved plan no longer matches NetworkManager
  | 'CONFLICT' // another profile can claim a desired team's or member's interface: nothing applied
  | 'EMPTY_DESIRED_STATE' // no team entry, and the plan would prune every team of the scope (--allow-empty)
  | 'PENDING_COMMIT' // an apply --no-commit awaits `nmteam commit` or `nmteam rollback`
  | 'LOCKED' // another nmteam run holds the lock
  | 'LOCK_UNAVAILABLE' // the lock cannot be taken at all (flock(1) from util-linux missing or failing)
  | 'STATE_DIR_UNSAFE' // the state directory, the journal or the lock could be written by another user
  | 'ROLLED_BACK' // the apply failed and was undone
  | 'NOTHING_PENDING' // commit/rollback with no apply --no-commit pending
  | 'VERIFY_MISMATCH';

/** A position in a source file, 1-based. */
export interface SourceLoc {
  line: number;
  col: number;
}

export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Path in the document, e.g. `network_config[0].members[2].name`. */
    readonly path?: string,
    readonly loc?: SourceLoc,
    /** The file the path and loc refer to. */
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** `file:line:col: path: message` — every part that is known; `warning: ` before the message of a warning. */
  format(kind: 'error' | 'warning' = 'error'): string {
    const where = [this.file, this.loc?.line, this.loc?.col].filter((x) => x !== undefined).join(':');
    const text = kind === 'warning' ? `warning: ${this.message}` : this.message;
    const parts = [where, this.path, text].filter((x) => x !== undefined && x !== '');
    return parts.join(': ');
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, path: this.path, loc: this.loc, file: this.file };
  }
}

/** Codes that describe bad input: nothing is applied and the CLI exits with EXIT_INVALID_INPUT. */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'YAML_SYNTAX',
  'SPEC_INVALID',
  'UNKNOWN_KEY',
  'TEAMD_JSON_SYNTAX',
  'TEAMD_INVALID',
  'TWO_PRIMARIES',
  'DUPLICATE_MEMBER',
  'DUPLICATE_TEAM',
  'NAME_CLASH',
  'BAD_IFNAME',
  'PORTS_NOT_MEMBER',
  'UNKNOWN_NIC',
  'FILE_READ',
  'IGNORED_KEY',
  'NESTED_TEAM',
  'PRIO_IGNORED',
  'DEFAULT_FILLED',
  'UNMAPPED_OPTION',
]);

export function isInputError(code: ErrorCode): boolean {
  return INPUT_CODES.has(code);
}

/** Transient conditions worth another try (watch backoff, verify retries). */
export function isRetryable(code: ErrorCode): boolean {
  return (
    code === 'NM_TIMEOUT' ||
    code === 'NM_UNRESPONSIVE' ||
    code === 'NM_UNAVAILABLE' ||
    code === 'NM_NOT_FOUND' ||
    code === 'VERIFY_MISMATCH' ||
    code === 'LOCKED' ||
    code === 'PENDING_COMMIT'
  );
}

/** Anything thrown, as a ReconcileError: one already is, anything else is NM_ERROR with it as the cause. */
export function asReconcileError(err: unknown): ReconcileError {
  if (err instanceof ReconcileError) return err;
  return new ReconcileError('NM_ERROR', String(err), undefined, undefined, undefined, { cause: err });
}

/** A bundle of collected errors, thrown where a caller wants one exception. */
export class ReconcileErrors extends Error {
  override readonly name = 'ReconcileErrors';
  constructor(readonly errors: ReconcileError[]) {
    super(errors.map((e) => e.format()).join('\n'));
  }
}

/**
 * For reads where a vanished object is an answer (a profile deleted meanwhile, a device that is not there):
 * NM_NOT_FOUND becomes undefined, anything else is rethrown.
 *
 * @example
 *   const c = await nm.readConnection(path).catch(undefinedIfNotFound)   // NmConnection | undefined
 */
export function undefinedIfNotFound(err: unknown): undefined {
  if (err instanceof ReconcileError && err.code === 'NM_NOT_FOUND') return undefined;
  throw err;
}
