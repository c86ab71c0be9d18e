# Records every task result and the play recap of an ansible-playbook run as JSON in $FLEET_RECORD, for the
# fleet tests' assertions (ansible-core ships no json callback). Test code, not shipped.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
    name: fleet_record
    type: aggregate
    short_description: write task results and stats as JSON to $FLEET_RECORD (nmteam fleet tests)
    description:
        - Test helper.
    requirements:
        - enable in configuration
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase

KEYS = ('msg', 'diff', 'exit_code', 'error_code', 'errors', 'converted', 'not_carried_over', 'pending',
        'rolled_back', 'changes', 'committed', 'dest_changed', 'plan')


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'fleet_record'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.results = []
        self.started = {}

    def v2_runner_on_start(self, host, task):
        self.started[(host.get_name(), task._uuid)] = time.time()

    def _add(self, status, result):
        r = result._result
        start = self.started.pop((result._host.get_name(), result._task._uuid), None)
        self.results.append({'host': result._host.get_name(), 'task': result._task.get_name(),
                             'action': result._task.action, 'status': status, 'changed': bool(r.get('changed')),
                             'seconds': None if start is None else time.time() - start,
                             'result': dict((k, r[k]) for k in KEYS if k in r)})

    def v2_runner_on_ok(self, result):
        self._add('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._add('failed', result)

    def v2_runner_on_unreachable(self, result):
        self._add('unreachable', result)

    def v2_runner_on_skipped(self, result):
        self._add('skipped', result)

    def v2_playbook_on_stats(self, stats):
        summary = dict((h, stats.summarize(h)) for h in sorted(stats.processed.keys()))
        with open(os.environ['FLEET_RECORD'], 'w') as f:
            json.dump({'results': self.results, 'stats': summary}, f, default=str)
