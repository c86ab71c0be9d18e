#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nmteam contributors
# Apache License 2.0 (see the repository's LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: nmteam_convert
short_description: Replace NetworkManager team profiles with equivalent bond profiles (nmteam convert --to-bond)
description:
  - "The migration off teamd (deprecated in RHEL 9, removed in RHEL 10) on one host, as one nmteam transaction
    (C(nmteam convert --from-nm --to-bond --apply)): each team profile and its slave profiles become a bond profile
    and bond slave profiles with the same interface names, addresses and primary."
  - Reports what was converted and what could not be carried over exactly (the warnings nmteam convert computes,
    e.g. a teamd hash a bond cannot express).
  - Check mode runs the conversion without applying it (no write). A host with no team profile left is unchanged.
  - With I(no_commit) the change stays pending; M(nmteam.network.nmteam_commit) keeps or undoes it, and nmteam
    rolls it back by itself I(timeout) seconds later when neither happens.
version_added: "0.1.0"
author: nmteam contributors
options:
  teams:
    description: Team interface names, connection ids or UUIDs to convert. Empty (default) converts every team.
    type: list
    elements: str
    default: []
  activate:
    description: Activate the bonds (false is C(--no-activate)).
    type: bool
    default: true
  timeout:
    description: Checkpoint rollback timeout and bound on activations, seconds.
    type: int
    default: 60
  no_commit:
    description: Leave the change pending until M(nmteam.network.nmteam_commit).
    type: bool
    default: false
  strict:
    description: Refuse to convert when anything cannot be carried over exactly (every warning is an error).
    type: bool
    default: false
  wait_lock:
    description: Seconds to wait for another nmteam run to finish.
    type: int
    default: 0
  nmteam_bin:
    description: The nmteam command on the target.
    type: str
    default: nmteam
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
'''

EXAMPLES = r'''
- name: Every team becomes a bond, pending until committed
  nmteam.network.nmteam_convert:
    no_commit: true
    timeout: 120
  register: converted
'''

RETURN = r'''
converted:
  description: The bonds the teams become (linux_bond entries, os-net-config style, as nmteam convert prints them).
  returned: always
  type: list
not_carried_over:
  description: What could not be carried over exactly, one line per warning of nmteam convert.
  returned: always
  type: list
pending:
  description: The change awaits commit (I(no_commit)).
  returned: always
  type: bool
output:
  description: nmteam's report of the plan and its application.
  returned: when applied
  type: str
exit_code:
  description: nmteam's exit code.
  returned: always
  type: int
'''

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.nmteam.network.plugins.module_utils.nmteam_cli import nmteam_argv


def issue_lines(stderr):
    return [line for line in (stderr or '').splitlines() if line.strip()]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            teams=dict(type='list', elements='str', default=[]),
            activate=dict(type='bool', default=True),
            timeout=dict(type='int', default=60),
            no_commit=dict(type='bool', default=False),
            strict=dict(type='bool', default=False),
            wait_lock=dict(type='int', default=0),
            nmteam_bin=dict(type='str', default='nmteam'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    base = ['convert', '--from-nm'] + list(p['teams']) + ['--to-bond']
    if p['strict']:
        base.append('--strict')

    def run(args):
        return module.run_command(nmteam_argv(module, *args), environ_update={'NO_COLOR': '1'})

    # What converts, and what does not carry over: the converted entries (stdout) and the warnings (stderr).
    rc, out, err = run(base)
    result = dict(changed=False, exit_code=rc, converted=[], not_carried_over=[], pending=False)
    notes = issue_lines(err)
    result['not_carried_over'] = [n for n in notes if re.search(r'(^|: )(warning|error): ', n)]
    if rc != 0:
        module.fail_json(msg='nmteam convert failed (exit %d): %s' % (rc, '; '.join(notes) or out), **result)
    try:
        import yaml
        result['converted'] = (yaml.safe_load(out) or {}).get('network_config') or []
    except ImportError:
        result['converted'] = re.findall(r'^  - type: linux_bond\n    name: (\S+)', out, re.M)
    if not result['converted']:
        module.exit_json(msg='no team profile to convert', **result)
    result['changed'] = True
    if module.check_mode:
        module.exit_json(msg='would convert %d team(s)' % len(result['converted']), **result)

    args = base + ['--apply', '--timeout', p['timeout'], '--wait-lock', p['wait_lock']]
    if not p['activate']:
        args.append('--no-activate')
    if p['no_commit']:
        args.append('--no-commit')
    rc, out, err = run(args)
    result.update(exit_code=rc, output=out, pending='The change is pending' in out)
    if rc != 0:
        result['changed'] = 'Rolled back' not in out and 'Applied:' in out
        said = (out + '\n' + err).splitlines()
        lines = [line for line in said if re.search(r'FAILED|Rolled back|INCOMPLETE|nmteam: ', line)]
        module.fail_json(msg='nmteam convert --apply failed (exit %d): %s' % (rc, ' '.join(lines) or err), **result)
    module.exit_json(msg='converted %d team(s) to bonds' % len(result['converted']), **result)


if __name__ == '__main__':
    main()
