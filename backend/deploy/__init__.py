"""Turning a mapping into running things: one Deployer interface, three backends, records on disk, and
the deploy session that `vxi deploy` and the designer's run mode share.

    session = DeploySession(substrate, vxis, "netns", on_progress=print)   # or "test", "libvirt"
    record = session.deploy()                 # Progress events; SessionError after a full rollback
    session.migrate("ra", "core2"); session.status(); session.teardown()
"""

from __future__ import annotations

from backend.lazy import names_on_first_use

# Each name is imported from its module when first asked for: `vxi validate` builds the whole command line,
# whose `deploy` options name the backends, and must not load the deployers and the embedding (numpy, scipy).
_WHERE = {
    "BACKENDS": "backends", "make_deployer": "backends", "reopen": "backends",
    "Deployer": "base", "DeployError": "base", "MigrationResult": "base",
    "describe": "describe", "PlanError": "plan", "Progress": "progress",
    "ComponentRecord": "record", "DeploymentRecord": "record", "Interface": "record",
    "DeploySession": "session", "SessionError": "session", "locate": "state",
}

__all__ = sorted(_WHERE)
__getattr__ = names_on_first_use(__name__, _WHERE, globals())
