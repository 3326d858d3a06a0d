"""Turning a mapping into running things: one Deployer interface, three backends, records on disk, and
the deploy session that `vxi deploy` and the designer's run mode share.

    session = DeploySession(substrate, vxis, "netns", on_progress=print)   # or "test", "libvirt"
    record = session.deploy()                 # Progress events; SessionError after a full rollback
    session.migrate("ra", "core2"); session.status(); session.teardown()
"""

from __future__ import annotations

import importlib

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


def __getattr__(name: str):
    """The package's names, each imported from its module on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
