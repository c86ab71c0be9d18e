#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nmteam contributors
# Apache License 2.0 (see the repository's LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: nmteam_commit
short_description: Keep or undo a pending nmteam change (nmteam commit / nmteam rollback)
description:
  - Ends the change a M(nmteam.network.nmteam) (or M(nmteam.network.nmteam_convert)) run with I(no_commit) left
    pending. C(commit) keeps it; C(rollback) restores NetworkManager as it was before that run.
  - A change nobody commits is rolled back by nmteam itself when its timeout expires; a commit after that fails
    with C(ROLLED_BACK).
  - "Nothing pending is not an error: the result is C(changed=false)."
version_added: "0.1.0"
author: nmteam contributors
options:
  action:
    description: C(commit) or C(rollback).
    type: str
    required: true
    choices: [commit, rollback]
  desired_state:
    description:
      - The I(dest) of the M(nmteam.network.nmteam) run. On commit its C(.pending) file (the new desired state)
        replaces it; on rollback, or a commit that came too late, the C(.pending) file is removed.
    type: path
  wait_lock:
    description: Seconds to wait for another nmteam run to finish.
    type: int
    default: 30
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
- name: Keep the change
  nmteam.network.nmteam_commit:
    action: commit
    desired_state: /etc/nmteam/teams.yaml
'''

RETURN = r'''
committed:
  description: The pending change was kept.
  returned: action commit
  type: bool
rolled_back:
  description: The pending change was undone now.
  returned: action rollback
  type: bool
restored:
  description: Profiles restored by the rollback.
  returned: when rolled back
  type: int
removed:
  description: Profiles removed by the rollback (created by the change).
  returned: when rolled back
  type: int
exit_code:
  description: nmteam's exit code.
  returned: always
  type: int
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.nmteam.network.plugins.module_utils.nmteam_cli import error_list, format_error, run_json


def main():
    module = AnsibleModule(
        argument_spec=dict(
            action=dict(type='str', required=True, choices=['commit', 'rollback']),
            desired_state=dict(type='path'),
            wait_lock=dict(type='int', default=30),
            nmteam_bin=dict(type='str', default='nmteam'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    action = p['action']
    if module.check_mode:
        # Check mode never leaves a change pending (its apply is a plan): nothing to keep or undo.
        module.exit_json(changed=False, exit_code=0, msg='check mode: nothing is pending')
    pending_file = p['desired_state'] + '.pending' if p['desired_state'] else None
    pending_files = [f for f in [pending_file, pending_file and p['desired_state'] + '.mapping.yaml.pending'] if f]

    def settle(keep):
        for f in pending_files:
            if not os.path.exists(f):
                continue
            if keep:
                os.rename(f, f[:-len('.pending')])
            else:
                os.unlink(f)

    rc, body, out, err = run_json(module, [action, '-o', 'json', '--wait-lock', p['wait_lock']])
    result = dict(changed=False, exit_code=rc)
    if rc == 0 and isinstance(body, dict):
        if action == 'commit':
            settle(True)
            result.update(changed=True, committed=True, checkpoint=body.get('checkpoint'))
            module.exit_json(msg='committed the change of %s' % body.get('startedAt'), **result)
        settle(False)
        rolled = body.get('rolledBack') is True
        result.update(changed=rolled, rolled_back=rolled, restored=body.get('restored', 0),
                      removed=body.get('removed', 0), expired=body.get('expired', False))
        what = 'rolled back the change of %s' if rolled else 'the change of %s had expired and was rolled back then'
        module.exit_json(msg=what % body.get('startedAt'), **result)
    errors = error_list(body, err)
    code = errors[0].get('code') if errors else None
    if code == 'NOTHING_PENDING':
        module.exit_json(msg='nothing pending: %s' % errors[0].get('message'), error_code=code, **result)
    if code == 'ROLLED_BACK':
        settle(False)
    module.fail_json(msg='nmteam %s failed (exit %d): %s' % (action, rc, '; '.join(format_error(e) for e in errors)),
                     errors=errors, error_code=code, rolled_back=code == 'ROLLED_BACK', **result)


if __name__ == '__main__':
    main()
