# -*- coding: utf-8 -*-
# Copyright: nmteam contributors
# Apache License 2.0 (see the repository's LICENSE)
"""Shared by the nmteam modules: run the installed nmteam CLI and read its JSON output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

# nmteam's exit codes (src/exit-codes.ts).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CHANGED = 2
EXIT_INVALID_INPUT = 3


def nmteam_argv(module, *args):
    """The command line: the nmteam executable (option nmteam_bin) and `args`."""
    binary = module.params.get('nmteam_bin') or 'nmteam'
    if os.sep not in binary:
        found = module.get_bin_path(binary, required=False)
        if found is None:
            module.fail_json(msg='nmteam: the nmteam command is not installed on this host (not on PATH); '
                                 'install it (role nmteam.network.nmteam does) or set nmteam_bin',
                             error_code='NOT_INSTALLED')
        binary = found
    return [binary] + [str(a) for a in args]


def run_json(module, args, data=None):
    """Run nmteam with `args`; (exit code, parsed JSON stdout or None, stdout, stderr)."""
    rc, out, err = module.run_command(nmteam_argv(module, *args), data=data, binary_data=False,
                                      environ_update={'NO_COLOR': '1'})
    try:
        body = json.loads(out) if out.strip() else None
    except ValueError:
        body = None
    return rc, body, out, err


def error_list(body, stderr):
    """nmteam's errors as dicts {code, message, path, loc, file}, from its JSON or else its stderr."""
    if isinstance(body, dict):
        if isinstance(body.get('errors'), list):
            return body['errors']
        if isinstance(body.get('error'), dict):
            return [body['error']]
    lines = [line for line in (stderr or '').splitlines() if line.strip()]
    return [{'code': 'UNKNOWN', 'message': '\n'.join(lines) or 'nmteam failed with no message'}]


def format_error(e):
    """One error as nmteam's text prints it: FILE:LINE:COL: PATH: CODE: message."""
    loc = e.get('loc') or {}
    where = ':'.join(str(x) for x in [e.get('file'), loc.get('line'), loc.get('col')] if x is not None)
    parts = [p for p in [where, e.get('path'), '%s: %s' % (e.get('code', 'ERROR'), e.get('message', ''))] if p]
    return ': '.join(parts)


def write_atomic(path, text, mode=0o644):
    """Write `text` to `path` atomically (temporary file in the same directory, fsync, rename).
    Returns True when the content changed, False when the file already held exactly `text`."""
    try:
        with open(path, 'r') as f:
            if f.read() == text:
                return False
    except (IOError, OSError):
        pass
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp', dir=directory)
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def to_yaml(data):
    """Desired-state text from inventory data: YAML when PyYAML is there, else JSON (which is YAML too)."""
    try:
        import yaml
    except ImportError:
        return json.dumps(data, indent=2) + '\n'
    # The JSON round trip turns Ansible's own str/dict subclasses into the plain types safe_dump knows.
    return HEADER + yaml.safe_dump(json.loads(json.dumps(data)), default_flow_style=False, sort_keys=False)


HEADER = '# Written by the nmteam.network.nmteam Ansible module from inventory; edits here are overwritten.\n'
