"""The permissions lockfile ``pfperms.lock`` and permission diffs.

``snapshot`` computes the effective permissions of every service account (and the workloads
running as it): Kubernetes rules as the authorizer applies them, AWS actions allowed per
resource, Vault capabilities per path, each with its cause; ``comparison`` says what grew
and what shrank between two snapshots (``shrinking`` asks the current model why a locked
grant no longer holds); ``writing`` reads and writes the sorted YAML.

Stands above ``policies`` (it imports the core, ``model``, the engines, ``query`` and
``policies``) and below the faces (``testing``, ``cli``).
"""

from .comparison import Change, compare, render_changes
from .shrinking import with_shrink_causes
from .snapshot import Entry, Snapshot, snapshot
from .writing import LOCK_NAME, read_lock, write_lock

__all__ = ["LOCK_NAME", "Change", "Entry", "Snapshot", "compare", "read_lock", "render_changes", "snapshot",
           "with_shrink_causes", "write_lock"]
