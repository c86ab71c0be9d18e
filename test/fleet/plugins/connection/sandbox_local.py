# The fleet tests' connection: Ansible's local connection to one sandbox "host" (its directory is ansible_host),
# whose link can be cut. While the file HOST_DIR/cut-when-pending exists and the host's nmteam change is
# pending (its journal says pending-commit), no new connection to the host can be made, as if the change had cut
# the controller's path to the host, until the host rolls it back. A connection made before (the one the apply
# task runs over) lives on, like an established SSH session. Test code, not shipped.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
    name: sandbox_local
    short_description: local connection to an nmteam sandbox host whose link can be cut (tests only)
    description:
        - Runs on the controller, like the local connection, unless the host's link is cut.
    author: nmteam contributors
    extends_documentation_fragment:
        - connection_pipelining
'''

import json
import os

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = 'sandbox_local'

    def _check_link(self):
        host_dir = self._play_context.remote_addr or ''
        if not os.path.exists(os.path.join(host_dir, 'cut-when-pending')):
            return
        try:
            with open(os.path.join(host_dir, 'nmteam-state', 'journal.json')) as f:
                pending = json.load(f).get('state') == 'pending-commit'
        except (IOError, OSError, ValueError):
            pending = False
        if pending:
            raise AnsibleConnectionFailure('sandbox %s: link down while its nmteam change is pending' % host_dir)

    def _connect(self):
        if not self._connected:
            self._check_link()
        return super(Connection, self)._connect()

    def reset(self):
        # wait_for_connection resets before each attempt: the next command connects anew.
        self.close()
