"""Read VXDL 2.0 (+ the extension namespace) into the model, in any child order, with problems that
name file, line, column and element id."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from backend.model import (
    AccessPoint,
    Cloud,
    Component,
    ControlPlane,
    Infrastructure,
    Link,
    LinkConfig,
    Node,
    Period,
    Problem,
    Route,
    Router,
    Service,
    Storage,
    Substrate,
    Tag,
    TimelineEvent,
)
from backend.model import units as U
from backend.model.components import SERVICE_FIELD_ORDER
from backend.model.timing import parse_duration
from backend.vxdl import fast
from backend.vxdl.schema import EXT_NS, VXDL_NS, Particle, cardinalities
from backend.vxdl.substrate_reader import SubstrateReading, place
from backend.vxdl.values import ValueReading

V = f"{{{VXDL_NS}}}"
X = f"{{{EXT_NS}}}"
_LOCAL: dict = {}


def _local_name(tag) -> str | bool:
    """Local name of a VXDL tag, "" for another namespace, False for comments and PIs (cached)."""
    if not isinstance(tag, str):
        return False
    name = tag[len(V):] if tag.startswith(V) else ""
    _LOCAL[tag] = name
    return name


RESOURCE_TAGS = {"vNode": "NodeType", "vStorage": "StorageType", "vRouter": "RouterType",
                 "vAccessPoint": "AccessPointType", "vArray": "ArrayType"}


@dataclass
class ReadResult:
    """A model read from a file, and every problem found on the way (XSD, cardinality, semantics)."""

    model: Infrastructure | Substrate | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems of severity error."""
        return [p for p in self.problems if p.severity == "error"]


class ModelReader(SubstrateReading, ValueReading):
    """Builds the model from a parsed tree; checks cardinalities as it goes."""

    def __init__(self, filename: str, data: bytes):
        self.filename = filename
        self._data = data
        self._lines: list[bytes] | None = None
        self.problems: list[Problem] = []
        self.table = cardinalities()
        self._declared_ports: set[str] = set()
        self.counted = True  # False: build as if strict-valid (the strict XSD proves every cardinality)
        self.shared_quantities: dict = {}  # equal quantities read as one (immutable) object

    # ----- problems -----
    def column(self, line: int | None, tag: str) -> int:
        """Column of `<tag` on a line (lxml gives lines only)."""
        if not line:
            return 0
        if self._lines is None:
            self._lines = self._data.split(b"\n")
        if line > len(self._lines):
            return 1
        text = self._lines[line - 1]
        pos = text.find(b"<" + tag.encode())
        if pos < 0:
            pos = text.find(b":" + tag.encode())
        return pos + 1 if pos >= 0 else 1

    def problem(self, el, code: str, message: str, element_id: str | None = None,
                severity: str = "error") -> None:
        """Record a problem located at element `el`."""
        tag = etree.QName(el).localname if el is not None else None
        line = el.sourceline if el is not None else None
        self.problems.append(Problem(severity, code, element_id, message, self.filename, line,
                                     self.column(line, tag) if tag else 0, tag))

    # ----- structure -----
    def children(self, el, type_name: str, owner_id: str | None) -> tuple[dict[str, list], list]:
        """VXDL children by local name, and foreign children; counts checked against the XSD."""
        groups: dict[str, list] = {}
        foreign: list = []
        local = _LOCAL
        for child in el:
            name = local.get(child.tag)
            if name is None:
                name = _local_name(child.tag)
            if name:
                found = groups.get(name)
                if found is None:
                    groups[name] = [child]
                else:
                    found.append(child)
            elif name == "":
                foreign.append(child)
        particles = self.table.get(type_name) if self.counted else None
        if particles:
            for particle in particles[0]:
                self._count(el, particle, groups, owner_id)
        return groups, foreign

    def _count(self, el, particle: Particle, groups: dict, owner_id: str | None) -> None:
        n = sum(len(groups.get(name, ())) for name in particle.names)
        if particle.min <= n <= particle.max:
            return
        if owner_id is None:
            owner_id = self.text(groups, "id")
        parent = etree.QName(el).localname
        names = " or ".join(f"<{x}>" for x in particle.names)
        if n < particle.min:
            self.problem(el, "missing-element", f"<{parent}> needs {names}", owner_id)
        else:
            extra = next(c for name in particle.names for c in groups.get(name, ()))
            limit = "one" if particle.max == 1 else str(particle.max)
            self.problem(groups[etree.QName(extra).localname][-1], "too-many",
                         f"<{parent}> allows at most {limit} {names}, found {n}", owner_id)

    @staticmethod
    def text(groups: dict, name: str) -> str | None:
        """Stripped text of the first child called `name`."""
        found = groups.get(name)
        if not found:
            return None
        return (found[0].text or "").strip()

    @staticmethod
    def raw(el) -> str:
        """An element kept as written (opaque or foreign), with layout whitespace and unused
        namespace declarations removed so that equal content gives equal text."""
        copy = etree.fromstring(etree.tostring(el, with_tail=False))
        for node in copy.iter():
            if node.text is not None and not node.text.strip() and len(node):
                node.text = None
            if node.tail is not None and not node.tail.strip():
                node.tail = None
        etree.cleanup_namespaces(copy)
        return etree.tostring(copy, encoding="unicode")

    def kept_resource(self, el) -> str:
        """A duplicate resource kept for writing, in its canonical (strict order) form."""
        from backend.vxdl.writer import kept_element

        return self.raw(kept_element(el))

    # ----- infrastructure -----
    def read(self, root, role: str | None) -> Infrastructure | Substrate | None:
        """The model of a `description` root."""
        groups, foreign = self.children(root, "DescriptionType", None)
        if "virtualInfrastructure" not in groups:
            return None
        vi = groups["virtualInfrastructure"][0]
        if self.counted:
            vgroups, vforeign = self.children(vi, "VirtualInfrastructureType", None)
        else:  # strict-valid: resources and links are read one by one later, only the rest is grouped
            vgroups, vforeign = self.children(fast.compiled_header_children(vi), "VirtualInfrastructureType", None)
        vid = self.text(vgroups, "id") or ""
        declared = next(((f.text or "").strip() for f in vforeign if f.tag == X + "role"), None)
        role = role or declared or "request"
        if role == "substrate":
            model = self.substrate(vi, vgroups, vforeign, vid)
        else:
            model = self.infrastructure(vi, vgroups, vforeign, vid)
        model.extensions = [self.raw(f) for f in foreign] + model.extensions
        return model

    def _header(self, model, groups: dict, vid: str) -> None:
        model.id = vid
        model.lease = self.lease(groups, vid)
        model.owner = self.text(groups, "owner")
        model.users = [(u.text or "").strip() for u in groups.get("user", ())]

    def infrastructure(self, vi, groups: dict, foreign: list, vid: str) -> Infrastructure:
        """A VXI (request)."""
        vxi = Infrastructure()
        self._header(vxi, groups, vid)
        vxi.location = self.text(groups, "location")
        if self.counted:
            rest = fast.unbuilt(vi)
        else:  # strict-valid: the compiled walk builds most nodes, links and routers straight into the VXI
            rest = fast.compiled_resources_into(vi, self.shared_quantities, vxi.components, vxi.links,
                                                self._declared_ports)
        for made, child in rest:
            if made is not None:
                if isinstance(made, Router):
                    self._declared_ports.add(made.id)
                added = self._add_link(vxi, made, None) if isinstance(made, Link) else self._add(vxi, made)
                if not added:
                    vxi.extensions.append(self.kept_resource(child))
                continue
            tag = child.tag
            if not isinstance(tag, str) or not tag.startswith(V):
                continue
            name = tag[len(V):]
            if name in RESOURCE_TAGS:
                if not self._add(vxi, self.component(child, name)):
                    vxi.extensions.append(self.kept_resource(child))
            elif name == "vLink" and not self._add_link(vxi, self.link(child), child):
                vxi.extensions.append(self.kept_resource(child))
        self._size_undeclared_ports(vxi)
        if "timeline" in groups:
            vxi.timeline = self.timeline(groups["timeline"][0], vid)
        positions = {}
        for ext in foreign:
            if ext.tag == X + "periods":
                vxi.periods = self.periods(ext, vid)
            elif ext.tag == X + "layout":
                positions = (None if self.counted else fast.compiled_positions(ext)) or self.layout(ext)
            elif ext.tag != X + "role":
                vxi.extensions.append(self.raw(ext))
        place(vxi.components, positions)
        return vxi

    def _add_link(self, vxi: Infrastructure, link: Link, el) -> bool:
        """Add a link; a duplicate id is reported (and kept as written by the caller)."""
        if link.id in vxi.links or link.id in vxi.components:
            self.problem(el, "duplicate-id", f"id '{link.id}' is used twice", link.id)
            if el is None:  # built by the compiled walk: the place is its origin
                self.problems[-1].line, self.problems[-1].column = link.origin or (None, None)
                self.problems[-1].element = "vLink"
            return False
        vxi.links[link.id] = link
        return True

    def _add(self, vxi: Infrastructure, comp: Component | None) -> bool:
        """Add a component; a duplicate id is reported (and kept as written by the caller)."""
        if comp is None:
            return True
        if comp.id in vxi.components:
            self.problem(None, "duplicate-id", f"id '{comp.id}' is used twice", comp.id)
            self.problems[-1].line, self.problems[-1].column = comp.origin or (None, None)
            self.problems[-1].element = "resource"
            return False
        vxi.components[comp.id] = comp
        return True

    def _size_undeclared_ports(self, vxi: Infrastructure) -> None:
        """VXDL 2.0 has no ports: a router without x:ports gets one per link (at least 4)."""
        ends = None
        for comp in vxi.components.values():
            if isinstance(comp, Router) and comp.id not in self._declared_ports:
                ends = ends if ends is not None else vxi.link_end_counts()
                comp.ports = [f"p{i}" for i in range(max(4, ends.get(comp.id, 0)))]

    def timeline(self, el, vid: str) -> list[TimelineEvent]:
        """Timeline events."""
        groups, _ = self.children(el, "TimelineType", vid)
        events = []
        for ev in groups.get("event", ()):
            sub, _ = self.children(ev, "EventType", vid)
            delay = self.number(sub["delay"][0], vid) if "delay" in sub else None
            events.append(TimelineEvent(self.text(sub, "id") or "", delay or 0.0))
        return events

    def periods(self, el, vid: str) -> list[Period]:
        """Named periods of the extension."""
        found = []
        for p in el.iterfind(X + "period"):
            try:
                found.append(Period(p.get("name", ""), parse_duration(p.get("offset", "PT0S")),
                                    parse_duration(p.get("duration", "PT0S"))))
            except ValueError as exc:
                self.problem(p, "bad-duration", str(exc), p.get("name"))
        return found

    def layout(self, el) -> dict[str, tuple[float, float]]:
        """Positions of the extension's layout."""
        found = {}
        for p in el.iterfind(X + "position"):
            try:
                found[p.get("ref", "")] = (float(p.get("x", "0")), float(p.get("y", "0")))
            except ValueError:
                self.problem(p, "bad-position", "a position needs numeric x and y", p.get("ref"))
        return found

    # ----- components -----
    def common(self, comp: Component, groups: dict, el) -> None:
        """Fields every resource has."""
        comp.location = self.text(groups, "location")
        comp.lease = self.lease(groups, comp.id)
        comp.model = self.text(groups, "model")
        if "exclusivity" in groups:
            comp.exclusivity = self.text(groups, "exclusivity") in ("true", "1")
        for tag in groups.get("tag", ()):
            sub, _ = self.children(tag, "TagType", comp.id)
            comp.tags.append(Tag(self.text(sub, "key") or "", self.text(sub, "value") or ""))
        comp.origin = (el.sourceline, 0)  # the column is found only for problems (see read_bytes)

    def component(self, el, name: str) -> Component | None:
        """One vNode, vStorage, vRouter, vAccessPoint or vArray."""
        if not self.counted and name == "vNode":
            quick = fast.node(self, el)  # the compiled walk has tried it already
            if quick is not None:
                return quick
        type_name = RESOURCE_TAGS[name]
        groups, foreign = self.children(el, type_name, None)
        cid = self.text(groups, "id") or ""
        if name == "vNode":
            comp = self.node(groups, cid)
        elif name == "vStorage":
            comp = Storage(cid, type=self.text(groups, "type"), region=self.text(groups, "region"))
            if "size" in groups:
                comp.size = self.quantity(groups["size"][0], U.SIZE, cid)
        elif name == "vRouter":
            comp = Router(cid, region=self.text(groups, "region"))
            if "memory" in groups:
                comp.memory = self.quantity(groups["memory"][0], U.SIZE, cid)
            if "controlPlane" in groups:
                comp.control_plane = self.control_plane(groups["controlPlane"][0], cid)
        elif name == "vAccessPoint":
            comp = AccessPoint(cid, region=self.text(groups, "region"))
            for child in el:
                kind = etree.QName(child).localname if isinstance(child.tag, str) else ""
                if child.tag in (V + "nat", V + "loadBalancer", V + "masquerade"):
                    fields = [(etree.QName(c).localname, (c.text or "").strip()) for c in child
                              if isinstance(c.tag, str)]
                    fields.sort(key=lambda kv: SERVICE_FIELD_ORDER.get(kv[0], 99))
                    comp.services.append(Service(kind, fields))
        else:
            comp = self.cloud(el, groups, cid)
        self.common(comp, groups, el)
        for opaque in ("device", "image"):
            for item in groups.get(opaque, ()):
                comp.opaque.setdefault(opaque, []).append(self.raw(item))
        self.component_extensions(comp, foreign)
        return comp

    @staticmethod
    def _peek_id(el) -> str:
        node = el.find(V + "id")
        return (node.text or "").strip() if node is not None else ""

    def node(self, groups: dict, cid: str) -> Node:
        """A vNode's own fields."""
        comp = Node(cid, region=self.text(groups, "region"))
        if "memory" in groups:
            comp.memory = self.quantity(groups["memory"][0], U.SIZE, cid)
        if "storage" in groups:
            comp.storage = self.quantity(groups["storage"][0], U.SIZE, cid)
        if "cpu" in groups:
            cpu, _ = self.children(groups["cpu"][0], "CpuType", cid)
            comp.architecture = self.text(cpu, "architecture")
            if "cores" in cpu:
                comp.cores = self.quantity(cpu["cores"][0], U.COUNT, cid)
            if "frequency" in cpu:
                comp.frequency = self.quantity(cpu["frequency"][0], U.FREQUENCY, cid)
        return comp

    def control_plane(self, el, cid: str) -> ControlPlane:
        """A router's control plane."""
        groups, _ = self.children(el, "ControlPlaneType", cid)
        plane = ControlPlane(self.text(groups, "layer"), self.text(groups, "type"),
                             self.text(groups, "routingProtocol"))
        if "routingTable" in groups:
            table, _ = self.children(groups["routingTable"][0], "RoutingTableType", cid)
            size = self.text(table, "rtSize")
            plane.table_size = int(size) if size and size.isdigit() else None
            for route in table.get("route", ()):
                r, _ = self.children(route, "RouteType", cid)
                plane.routes.append(Route(self.text(r, "source") or "", self.text(r, "destination") or "",
                                          self.text(r, "vLinkIn"), self.text(r, "vLinkOut")))
        return plane

    def cloud(self, el, groups: dict, cid: str) -> Cloud:
        """A vArray: cardinality and the template resource it repeats."""
        size = self.text(groups, "cardinality")
        cloud = Cloud(cid, cardinality=int(size) if size and size.isdigit() else 1)
        templates = [c for c in el if isinstance(c.tag, str) and c.tag[len(V):] in RESOURCE_TAGS
                     and c.tag.startswith(V) and c.tag != V + "vArray"]
        if templates:
            cloud.template = self.component(templates[0], templates[0].tag[len(V):])
            for extra in templates[1:]:
                cloud.opaque.setdefault("template", []).append(self.raw(extra))
        return cloud

    def component_extensions(self, comp: Component, foreign: list) -> None:
        """Extension elements on a resource; unknown foreign ones are kept as written."""
        for ext in foreign:
            tag = ext.tag
            if tag == X + "function":
                comp.function = (ext.text or "").strip()
            elif tag == X + "ports" and isinstance(comp, Router):
                comp.ports = [(p.text or "").strip() for p in ext.iterfind(X + "port")]
                self._declared_ports.add(comp.id)
            elif tag == X + "cores" and isinstance(comp, Router):
                comp.cores = self.amount(ext, U.COUNT, comp.id)
            elif tag == X + "organisation" and isinstance(comp, Cloud):
                comp.organisation = (ext.text or "").strip()
            elif tag == X + "internalBandwidth" and isinstance(comp, Cloud):
                comp.internal_bandwidth = self.amount(ext, U.BANDWIDTH, comp.id)
            elif tag == X + "internalLatency" and isinstance(comp, Cloud):
                comp.internal_latency = self.amount(ext, U.LATENCY, comp.id)
            else:
                comp.extensions.append(self.raw(ext))

    # ----- links -----
    def link(self, el) -> Link:
        """A vLink."""
        if not self.counted:
            quick = fast.compiled_link(el, self.shared_quantities) or fast.link(self, el)
            if quick is not None:
                return quick
        groups, foreign = self.children(el, "LinkType", None)
        lid = self.text(groups, "id") or ""
        link = Link(lid, self.text(groups, "source") or "", self.text(groups, "destination") or "")
        link.lease = self.lease(groups, lid)
        if "bandwidth" in groups:
            bw, _ = self.children(groups["bandwidth"][0], "BandwidthType", lid)
            if "forward" in bw:
                link.forward = self.quantity(bw["forward"][0], U.BANDWIDTH, lid)
            if "reverse" in bw:
                link.reverse = self.quantity(bw["reverse"][0], U.BANDWIDTH, lid)
        if "latency" in groups:
            link.latency = self.quantity(groups["latency"][0], U.LATENCY, lid)
        for name in ("location", "model", "exclusivity", "tag"):
            for item in groups.get(name, ()):
                link.opaque.setdefault(name, []).append(self.raw(item))
        link.origin = (el.sourceline, 0)
        for ext in foreign:
            if ext.tag == X + "sourcePort":
                link.source_port = (ext.text or "").strip()
            elif ext.tag == X + "destinationPort":
                link.destination_port = (ext.text or "").strip()
            elif ext.tag == X + "periodConfig":
                link.periods[ext.get("period", "")] = self.period_config(ext, lid)
            else:
                link.extensions.append(self.raw(ext))
        return link

    def period_config(self, el, lid: str) -> LinkConfig:
        """A link's values during one period."""
        conf = LinkConfig()
        for child in el:
            if child.tag == X + "forward":
                conf.forward = self.amount(child, U.BANDWIDTH, lid)
            elif child.tag == X + "reverse":
                conf.reverse = self.amount(child, U.BANDWIDTH, lid)
            elif child.tag == X + "latency":
                conf.latency = self.amount(child, U.LATENCY, lid)
        return conf
