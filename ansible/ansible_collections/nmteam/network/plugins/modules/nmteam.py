#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nmteam contributors
# Apache License 2.0 (see the repository's LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: nmteam
short_description: Make NetworkManager's teams match a desired state, with nmteam
description:
  - Runs the C(nmteam) command installed on the target (C(nmteam apply -o json), C(nmteam plan -o json) in check mode)
    on a desired state given as a file on the target (I(src)) or inline from inventory (I(network_config)).
  - Check mode is C(nmteam plan) and makes no write at all (neither NetworkManager nor files); C(changed) says
    whether an apply would change anything. Diff mode shows, profile by profile, the fields the plan changes.
  - With I(network_config) the desired state is written to I(dest) atomically, and only once the apply succeeded
    (with I(no_commit), to I(dest)C(.pending), which M(nmteam.network.nmteam_commit) moves to I(dest) on commit and
    removes on rollback).
version_added: "0.1.0"
author: nmteam contributors
options:
  src:
    description: Desired-state YAML file on the target. Exclusive with I(network_config).
    type: path
  network_config:
    description:
      - "The desired state itself, os-net-config style: the list under C(network_config), or a dict with that key."
      - Exclusive with I(src).
    type: raw
  dest:
    description: Where I(network_config) is written on the target.
    type: path
    default: /etc/nmteam/teams.yaml
  mapping:
    description:
      - "os-net-config NIC mapping for C(nicN) names (C(--mapping)). A path on the target, or a dict (C(nic1: eth0), or
        with an C(interface_mapping) key), written to I(dest)C(.mapping.yaml)."
    type: raw
  scope:
    description: The scope this desired state owns (C(--scope)).
    type: str
    default: default
  adopt:
    description: Take over in place the profiles in the way (C(--adopt)).
    type: bool
    default: false
  activate:
    description: Activate the changed teams (false is C(--no-activate)).
    type: bool
    default: true
  timeout:
    description: Checkpoint rollback timeout and bound on activations, seconds (C(--timeout)).
    type: int
    default: 60
  no_commit:
    description:
      - Leave the change pending (C(--no-commit)); M(nmteam.network.nmteam_commit) keeps or undoes it, and nmteam rolls
        it back by itself I(timeout) seconds after the apply when neither happens.
    type: bool
    default: false
  strict:
    description: Warnings in the desired state are errors (C(--strict)).
    type: bool
    default: false
  allow_empty:
    description: A desired state with no team may delete every team of the scope (C(--allow-empty)).
    type: bool
    default: false
  wait_lock:
    description: Seconds to wait for another nmteam run to finish (C(--wait-lock)).
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
    support: full
notes:
  - Needs nmteam (Node.js 20 or later) on the target; the role M(nmteam.network.nmteam) installs it.
'''

EXAMPLES = r'''
- name: Teams from inventory, kept pending until committed
  nmteam.network.nmteam:
    network_config: "{{ nmteam_network_config }}"
    no_commit: true
    timeout: 120
  register: nmteam_result

- name: A desired-state file already on the host, with a NIC mapping
  nmteam.network.nmteam:
    src: /etc/nmteam/teams.yaml
    mapping: {nic1: ens1f0, nic2: ens1f1}
'''

RETURN = r'''
plan:
  description: >-
    The plan (C(nmteam plan -o json)'s C(plan)), steps with their patches, conflicts, refusals, skipped entries.
  returned: when nmteam planned
  type: dict
changes:
  description: Counts of the plan's steps (create, update, delete, activate, ...).
  returned: when nmteam planned
  type: dict
results:
  description: Each step's outcome (apply only).
  returned: when nmteam applied
  type: list
pending:
  description: The pending change (id, expiresAt, checkpoint) with I(no_commit) when something changed.
  returned: when a change is pending
  type: dict
exit_code:
  description: nmteam's exit code (0 ok, 1 failure, 3 invalid desired state).
  returned: always
  type: int
errors:
  description: nmteam's errors, each with code, message and, for a bad desired state, file, loc (line, col) and path.
  returned: on failure
  type: list
error_code:
  description: The first error's code (e.g. SPEC_INVALID, CONFLICT, NM_ERROR).
  returned: on failure
  type: str
rolled_back:
  description: The failed apply was rolled back (NetworkManager as before).
  returned: when nmteam applied
  type: bool
warnings_nmteam:
  description: nmteam's warnings about the desired state.
  returned: when there are any
  type: list
dest_changed:
  description: The desired-state file I(dest) was (or, in check mode, would be) rewritten.
  returned: with network_config
  type: bool
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.nmteam.network.plugins.module_utils.nmteam_cli import (
    error_list, format_error, run_json, to_yaml, write_atomic)


def read(path):
    try:
        with open(path, 'r') as f:
            return f.read()
    except (IOError, OSError):
        return None


def show(value):
    return json.dumps(value, sort_keys=True)


def step_diff(step):
    """One plan step as an Ansible diff: the profile's changed fields before and after."""
    op = step.get('op')
    team = step.get('team')
    name = "%s profile '%s' (%s)" % (team, step.get('id', team), step.get('ifname', team))
    if op in ('activate', 'reapply'):
        what = 'port %s' % step['port'] if step.get('port') else 'team %s' % step.get('team')
        return {'before_header': 'nmteam: %s' % name, 'after_header': 'nmteam: %s' % name,
                'before': '', 'after': '%s %s (%s)\n' % (op, what, step.get('reason', ''))}
    if op == 'delete-connection':
        return {'before_header': 'nmteam: %s' % name, 'after_header': 'nmteam: %s: deleted' % name,
                'before': 'exists (%s)\n' % step.get('uuid', ''), 'after': ''}
    before, after = [], []
    fields = step.get('fields')
    if fields:
        for f in fields:
            if 'before' in f:
                before.append('%s: %s' % (f['path'], show(f['before'])))
            if 'after' in f:
                after.append('%s: %s' % (f['path'], show(f['after'])))
    else:
        for p in step.get('patch') or []:
            if p.get('op') == 'remove':
                before.append('%s: (set)' % p['path'])
            else:
                after.append('%s: %s' % (p['path'], show(p.get('value'))))
    header = 'nmteam: %s%s' % (name, ': created' if op == 'create-connection' else '')
    return {'before_header': header, 'after_header': header,
            'before': '\n'.join(before) + ('\n' if before else ''), 'after': '\n'.join(after) + ('\n' if after else '')}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='path'),
            network_config=dict(type='raw'),
            dest=dict(type='path', default='/etc/nmteam/teams.yaml'),
            mapping=dict(type='raw'),
            scope=dict(type='str', default='default'),
            adopt=dict(type='bool', default=False),
            activate=dict(type='bool', default=True),
            timeout=dict(type='int', default=60),
            no_commit=dict(type='bool', default=False),
            strict=dict(type='bool', default=False),
            allow_empty=dict(type='bool', default=False),
            wait_lock=dict(type='int', default=0),
            nmteam_bin=dict(type='str', default='nmteam'),
        ),
        required_one_of=[('src', 'network_config')],
        mutually_exclusive=[('src', 'network_config')],
        supports_check_mode=True,
    )
    p = module.params
    check = module.check_mode

    # The desired state and mapping as files: the inline ones staged in the module's private temporary
    # directory (removed with it), written to dest only once nmteam accepted them.
    staged = {}
    spec_file = p['src']
    spec_text = None
    if p['network_config'] is not None:
        cfg = p['network_config']
        if isinstance(cfg, list):
            cfg = {'network_config': cfg}
        if not isinstance(cfg, dict) or not isinstance(cfg.get('network_config'), list):
            module.fail_json(msg='network_config: expected the list of entries, or a dict with a network_config list',
                             error_code='SPEC_INVALID', exit_code=3)
        spec_text = to_yaml(cfg)
        spec_file = os.path.join(module.tmpdir, 'teams.yaml')
        write_atomic(spec_file, spec_text, 0o600)
        staged[spec_file] = p['dest']
    mapping_file = None
    mapping_text = None
    mapping_dest = p['dest'] + '.mapping.yaml'
    if isinstance(p['mapping'], dict):
        m = p['mapping'] if 'interface_mapping' in p['mapping'] else {'interface_mapping': p['mapping']}
        mapping_text = to_yaml(m)
        mapping_file = os.path.join(module.tmpdir, 'mapping.yaml')
        write_atomic(mapping_file, mapping_text, 0o600)
        staged[mapping_file] = mapping_dest
    elif p['mapping'] is not None:
        mapping_file = str(p['mapping'])

    args = [spec_file, '-o', 'json', '--scope', p['scope']]
    if mapping_file:
        args += ['--mapping', mapping_file]
    for flag, on in (('--adopt', p['adopt']), ('--strict', p['strict']), ('--allow-empty', p['allow_empty']),
                     ('--no-activate', not p['activate'])):
        if on:
            args.append(flag)
    if check:
        cmd = ['plan'] + args
    else:
        cmd = ['apply'] + args + ['--timeout', p['timeout'], '--wait-lock', p['wait_lock']]
        if p['no_commit']:
            cmd.append('--no-commit')
    rc, body, out, err = run_json(module, cmd)

    def unstage(text):
        for tmp, real in staged.items():
            text = text.replace(tmp, real)
        return text

    result = dict(changed=False, exit_code=rc, cmd=' '.join(str(c) for c in ['nmteam'] + cmd))
    if isinstance(body, dict):
        for key in ('plan', 'changes', 'results', 'pending'):
            if key in body:
                result[key] = body[key]
        if 'rolledBack' in body:
            result['rolled_back'] = body['rolledBack']
        if body.get('warnings'):
            result['warnings_nmteam'] = [unstage(format_error(w)) for w in body['warnings']]
    plan = result.get('plan') or {}
    refusals = plan.get('refusals') or []
    failed = rc != 0 or (isinstance(body, dict) and body.get('ok') is False)
    if failed or body is None:
        errors = error_list(body, err)
        if refusals and not isinstance(body.get('error'), dict):
            errors = [{'code': r.get('code'), 'message': r.get('message'), 'path': r.get('team')} for r in refusals]
        errors = [json.loads(unstage(json.dumps(e))) for e in errors]
        what = 'plan' if check else 'apply'
        msg = 'nmteam %s failed (exit %d): %s' % (what, rc, '; '.join(format_error(e) for e in errors))
        if result.get('rolled_back'):
            msg += ' -- rolled back: NetworkManager is as it was before this run'
        result.update(errors=errors, error_code=errors[0].get('code') if errors else None, stderr=unstage(err))
        module.fail_json(msg=msg, **result)

    steps = plan.get('steps') or []
    dest_changed = False
    pending = result.get('pending')
    if spec_text is not None:
        dest_changed = read(p['dest']) != spec_text or (mapping_text is not None and read(mapping_dest) != mapping_text)
        result['dest_changed'] = dest_changed
        if not check:
            # With a pending change the new desired state waits beside the old one until the commit.
            suffix = '.pending' if pending else ''
            write_atomic(p['dest'] + suffix, spec_text)
            if mapping_text is not None:
                write_atomic(mapping_dest + suffix, mapping_text)
    result['changed'] = len(steps) > 0 or dest_changed
    if module._diff:
        diffs = [step_diff(s) for s in steps if s.get('op') != 'activate' or not any(
            x.get('op') != 'activate' and x.get('team') == s.get('team') for x in steps)]
        if dest_changed:
            diffs.append({'before_header': p['dest'], 'after_header': p['dest'],
                          'before': read(p['dest']) or '', 'after': spec_text})
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
