"""New components and links with sensible defaults, one per palette kind."""

from __future__ import annotations

import re

from backend.model import (
    AccessPoint,
    Cloud,
    Component,
    Host,
    Infrastructure,
    Link,
    Node,
    PhysicalLink,
    Quantity,
    Router,
    Storage,
    Substrate,
)

VXI_KINDS = ("node", "storage", "cloud", "router", "access_point")
SUBSTRATE_KINDS = ("host", "provisioned_host")
PREFIX = {"node": "node", "storage": "storage", "cloud": "cloud", "router": "router",
          "access_point": "ap", "host": "host", "provisioned_host": "host"}


def _count(n: int) -> Quantity:
    return Quantity("count", value=float(n))


def make_component(kind: str, ident: str, ports: int | None = None, cardinality: int | None = None) -> Component | Host:
    """A new component of `kind` named `ident`, with a plausible default configuration."""
    if kind == "node":
        return Node(id=ident, cores=_count(1), memory=Quantity.simple("size", 1, "GB"))
    if kind == "storage":
        return Storage(id=ident, size=Quantity.simple("size", 100, "GB"))
    if kind == "cloud":
        member = Node(id="member", cores=_count(1), memory=Quantity.simple("size", 1, "GB"))
        return Cloud(id=ident, cardinality=cardinality or 4, template=member)
    if kind == "router":
        return Router(id=ident, ports=[f"p{i}" for i in range(ports or 4)])
    if kind == "access_point":
        return AccessPoint(id=ident)
    if kind in ("host", "provisioned_host"):
        return Host(id=ident, cores=_count(8), memory=Quantity.simple("size", 16, "GB"),
                    storage=Quantity.simple("size", 500, "GB"), uri="test:///default",
                    provisioned=kind == "provisioned_host")
    raise ValueError(f"unknown kind {kind!r}")


def new_component(model: Infrastructure | Substrate, kind: str, **options: int | None) -> Component | Host:
    """A new component of `kind` with an id unused in `model` (options: ports, cardinality)."""
    return make_component(kind, model.new_id(PREFIX.get(kind, kind)), **options)


def new_link(model: Infrastructure | Substrate, source: str, destination: str,
             source_port: str | None = None, destination_port: str | None = None) -> Link | PhysicalLink:
    """A new link of the right type for `model` with default bandwidth and latency."""
    if isinstance(model, Substrate):
        return PhysicalLink(id=model.new_id("plink"), source=source, destination=destination,
                            forward=Quantity.simple("bandwidth", 1, "Gbps"),
                            latency=Quantity.simple("latency", 1, "ms"))
    return Link(id=model.new_id("link"), source=source, destination=destination, source_port=source_port,
                destination_port=destination_port, forward=Quantity.at_least("bandwidth", 100, "Mbps"),
                reverse=Quantity.at_least("bandwidth", 100, "Mbps"), latency=Quantity.at_most("latency", 10, "ms"))


def id_prefix(ident: str) -> str:
    """The id without its trailing number (node12 -> node), for naming copies."""
    stripped = re.sub(r"[_-]?\d+$", "", ident)
    return stripped or "item"


def kinds_for(model: Infrastructure | Substrate) -> tuple[str, ...]:
    """The component kinds a document of this type accepts."""
    return SUBSTRATE_KINDS if isinstance(model, Substrate) else VXI_KINDS
