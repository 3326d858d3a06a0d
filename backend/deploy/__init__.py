"""Turning a mapping into running things: one Deployer interface, three backends, records on disk.

    deployer = make_deployer("netns", substrate, vxis)     # or "test", "libvirt"
    record = deployer.deploy(mapping)                      # DeployError after a full rollback
    deployer.migrate("ra", "core2"); deployer.status(); deployer.teardown()
"""

from backend.deploy.base import Deployer, DeployError, MigrationResult
from backend.deploy.plan import PlanError
from backend.deploy.record import ComponentRecord, DeploymentRecord, Interface
from backend.deploy.session import BACKENDS, describe, locate, make_deployer, reopen

__all__ = ["BACKENDS", "ComponentRecord", "DeployError", "Deployer", "DeploymentRecord", "Interface",
           "MigrationResult", "PlanError", "describe", "locate", "make_deployer", "reopen"]
