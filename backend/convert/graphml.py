"""VXDL to and from GraphML through networkx: SI numbers as attributes, shapes and units dropped."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from backend.convert import Losses
from backend.model import (
    AccessPoint,
    Cloud,
    Component,
    Infrastructure,
    Link,
    Node,
    Quantity,
    Router,
    Storage,
)
from backend.model import units as U
from backend.model.quantity import SIMPLE

KIND_CLASSES = {"node": Node, "storage": Storage, "router": Router, "access_point": AccessPoint, "cloud": Cloud}
NODE_QUANTITIES = {"cores": U.COUNT, "frequency": U.FREQUENCY, "memory": U.SIZE, "storage": U.SIZE, "size": U.SIZE}
SUFFIX = {U.COUNT: "", U.FREQUENCY: "_hz", U.SIZE: "_bytes", U.BANDWIDTH: "_bps", U.LATENCY: "_s"}


def _put(attrs: dict, name: str, q: Quantity | None, losses: Losses) -> None:
    if q is None:
        return
    value = q.bound() if q.kind == U.LATENCY else q.demand()
    if value is None:
        return
    attrs[name + SUFFIX[q.kind]] = float(value)
    if q.shape != SIMPLE:
        losses.add(f"{q.shape} shape of {name} (kept its {'bound' if q.kind == U.LATENCY else 'demand'})")


def to_graph(vxi: Infrastructure) -> tuple[nx.MultiDiGraph, Losses]:
    """A networkx graph of a VXI; each link is an edge keyed by its id."""
    losses = Losses()
    graph = nx.MultiDiGraph(id=vxi.id)
    window = vxi.lease.window()
    if window:
        graph.graph["lease_start"] = window[0]
    if vxi.lease.duration is not None:
        graph.graph["lease_duration_s"] = vxi.lease.duration
    losses.add("users and owner", len(vxi.users) + (vxi.owner is not None))
    losses.add("timeline events", len(vxi.timeline))
    losses.add("named periods", len(vxi.periods))
    for comp in vxi.components.values():
        attrs: dict = {"kind": comp.kind}
        if comp.location:
            attrs["location"] = comp.location
        if comp.function:
            attrs["function"] = comp.function
        if comp.position:
            attrs["x"], attrs["y"] = comp.position
        for name, kind in NODE_QUANTITIES.items():
            _put(attrs, name, getattr(comp, name, None) if kind else None, losses)
        if isinstance(comp, Router):
            attrs["ports"] = ",".join(comp.ports)
            losses.add("router control planes", comp.control_plane is not None)
        if isinstance(comp, Cloud):
            attrs["cardinality"] = comp.cardinality
            attrs["organisation"] = comp.organisation
            losses.add("cloud member templates")
        if isinstance(comp, AccessPoint):
            losses.add("access point services", len(comp.services))
        losses.add("component leases", not comp.lease.is_empty())
        losses.add("tags", len(comp.tags))
        losses.add("kept unknown elements", len(comp.opaque) + len(comp.extensions))
        graph.add_node(comp.id, **attrs)
    for link in vxi.links.values():
        attrs = {"id": link.id, "one_way": link.one_way}
        for name, q in (("forward", link.forward), ("reverse", link.reverse), ("latency", link.latency)):
            _put(attrs, name, q, losses)
        if link.source_port:
            attrs["source_port"] = link.source_port
        if link.destination_port:
            attrs["destination_port"] = link.destination_port
        losses.add("per-period link settings", len(link.periods))
        losses.add("link leases", not link.lease.is_empty())
        graph.add_edge(link.source, link.destination, key=link.id, **attrs)
    return graph, losses


def from_graph(graph: nx.Graph) -> tuple[Infrastructure, Losses]:
    """A VXI from a graph written by to_graph (or any graph: unknown nodes become plain nodes)."""
    losses = Losses()
    vxi = Infrastructure(id=str(graph.graph.get("id", "graph")))
    from datetime import datetime, timezone

    if "lease_start" in graph.graph:
        vxi.lease.start = datetime.fromtimestamp(float(graph.graph["lease_start"]), timezone.utc)
    if "lease_duration_s" in graph.graph:
        vxi.lease.duration = float(graph.graph["lease_duration_s"])
    for ident, attrs in graph.nodes(data=True):
        cls = KIND_CLASSES.get(attrs.get("kind", "node"), Node)
        comp: Component = cls(id=str(ident))
        comp.location = attrs.get("location")
        comp.function = attrs.get("function")
        if "x" in attrs and "y" in attrs:
            comp.position = (float(attrs["x"]), float(attrs["y"]))
        for name, kind in NODE_QUANTITIES.items():
            key = name + SUFFIX[kind]
            if key in attrs and hasattr(comp, name):
                setattr(comp, name, Quantity(kind, SIMPLE, value=float(attrs[key]),
                                             unit=U.DEFAULT_UNIT[kind] or None))
        if isinstance(comp, Router) and attrs.get("ports"):
            comp.ports = str(attrs["ports"]).split(",")
        if isinstance(comp, Cloud):
            comp.cardinality = int(attrs.get("cardinality", 2))
            comp.organisation = str(attrs.get("organisation", "none"))
        vxi.components[comp.id] = comp
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else (
        (u, v, None, d) for u, v, d in graph.edges(data=True))
    for number, (u, v, key, attrs) in enumerate(edges):
        lid = str(attrs.get("id", key if key is not None else f"link{number}"))
        link = Link(lid, str(u), str(v), attrs.get("source_port"), attrs.get("destination_port"))
        for name, kind in (("forward", U.BANDWIDTH), ("reverse", U.BANDWIDTH), ("latency", U.LATENCY)):
            key_name = name + SUFFIX[kind]
            if key_name in attrs:
                setattr(link, name, Quantity(kind, SIMPLE, value=float(attrs[key_name]),
                                             unit=U.DEFAULT_UNIT[kind]))
        vxi.links[lid] = link
    return vxi, losses


def write(vxi: Infrastructure, path: str | Path) -> Losses:
    """Write a VXI as GraphML."""
    graph, losses = to_graph(vxi)
    nx.write_graphml(graph, str(path))
    return losses


def read(path: str | Path) -> tuple[Infrastructure, Losses]:
    """Read GraphML into a VXI."""
    graph = nx.read_graphml(str(path), force_multigraph=True)
    return from_graph(graph)
