"""Turning a mapping into running things: one Deployer interface, three backends, records on disk, and
the deploy session that `vxi deploy` and the designer's run mode share.

    session = DeploySession(substrate, vxis, "netns", on_progress=print)   # or "test", "libvirt"
    record = session.deploy()                 # Progress events; SessionError after a full rollback
    session.migrate("ra", "core2"); session.status(); session.teardown()
"""

from backend.deploy.backends import BACKENDS, make_deployer, reopen
from backend.deploy.base import Deployer, DeployError, MigrationResult
from backend.deploy.describe import describe
from backend.deploy.plan import PlanError
from backend.deploy.progress import Progress
from backend.deploy.record import ComponentRecord, DeploymentRecord, Interface
from backend.deploy.session import DeploySession, SessionError
from backend.deploy.state import locate

__all__ = ["BACKENDS", "ComponentRecord", "DeployError", "DeploySession", "Deployer", "DeploymentRecord",
           "Interface", "MigrationResult", "PlanError", "Progress", "SessionError", "describe", "locate",
           "make_deployer", "reopen"]
