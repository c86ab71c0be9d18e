import { missingModules, WANTED_MODULES } from '../harness/vm/modules';

describe('the VM kernel modules', () => {
  it('include the bonding driver (a team converted to a bond runs on it)', () => {
    expect(WANTED_MODULES).toContain('bonding');
  });

  it('a prepared kernel whose module list lacks a wanted one is found out (then prepared again), whatever its - or _', () => {
    expect(missingModules(['team', 'veth'], ['team', 'veth', 'bonding'])).toEqual(['bonding']);
    expect(missingModules(['team-mode-activebackup', 'bonding'], ['team_mode_activebackup', 'bonding'])).toEqual([]);
  });
});
