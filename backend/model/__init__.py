"""The design model: VXIs, substrates, quantities, leases, change events and validation."""

from backend.model.components import (
    ACCESS_POINT,
    CLOUD,
    KINDS,
    NODE,
    ROUTER,
    STORAGE,
    AccessPoint,
    Cloud,
    Component,
    ControlPlane,
    Link,
    LinkConfig,
    Node,
    Route,
    Router,
    Service,
    Storage,
    Tag,
)
from backend.model.design import Design
from backend.model.errors import ModelError
from backend.model.events import Change, Observable
from backend.model.infrastructure import Infrastructure
from backend.model.quantity import Problem, Quantity
from backend.model.rules import anchor_problems, validate_infrastructure, validate_substrate
from backend.model.substrate import Host, PhysicalLink, Substrate
from backend.model.timing import Lease, Period, TimelineEvent

__all__ = [
    "ACCESS_POINT", "CLOUD", "KINDS", "NODE", "ROUTER", "STORAGE", "AccessPoint", "Change", "Cloud",
    "Component", "ControlPlane", "Design", "Host", "Infrastructure", "Lease", "Link", "LinkConfig", "ModelError",
    "Node", "Observable", "Period", "PhysicalLink", "Problem", "Quantity", "Route", "Router", "Service",
    "Storage", "Substrate", "Tag", "TimelineEvent", "anchor_problems", "validate_infrastructure",
    "validate_substrate",
]
