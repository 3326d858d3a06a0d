"""The VXDL field table: every element VXI Designer reads and writes, its children in VXDL 2.0's strict order,
and where each child's value lives in the model. The builder (any order, counted), both walks (compiled and
pure) and the writer all follow it, so a field is described here once.

To add a VXDL field:
1. give the model class its attribute (backend/model);
2. declare the element in resources/schema/vxdl-2.0.xsd (extension namespace: vxdl-ext.xsd);
3. add one Field row to its element below, at its place in the strict order.
Nothing else in backend/vxdl changes for a field of an existing kind (tests/vxdl/test_fields.py checks the
table against the XSD). A new kind needs a reader in builder.py and a writer in writer.py; the walks refuse
(leave to the builder) any element holding a child of a kind outside WALKED_KINDS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from operator import attrgetter
from typing import Any

from backend.model import (
    AccessPoint,
    Cloud,
    ControlPlane,
    Host,
    Infrastructure,
    Link,
    LinkConfig,
    Node,
    PhysicalLink,
    Route,
    Router,
    Service,
    Storage,
    Substrate,
    Tag,
    TimelineEvent,
)
from backend.model import units as U
from backend.model.shared import owned
from backend.vxdl.schema import EXT_NS, VXDL_NS

V = f"{{{VXDL_NS}}}"
X = f"{{{EXT_NS}}}"

# Kinds of VXDL children (in the VXDL namespace, in the strict order of the table).
TEXT = "text"  # stripped text (many: a list of texts)
BOOL = "bool"  # "true" or "1" is True
INT = "int"  # digits; anything else gives the field's default
DECIMAL = "decimal"  # a number (a problem when it is not one; then the default)
DATE = "date"  # xs:dateTime
DURATION = "duration"  # xs:duration, in seconds
QUANTITY = "quantity"  # a VXDL quantity of unit kind `unit` (any shape), normalised to SI
OPAQUE = "opaque"  # kept as written in the object's opaque[name]
GROUP = "group"  # a wrapper whose children (`fields`) are fields of the same object (cpu, bandwidth)
RECORD = "record"  # a child object built from the `record` element (many: a list of them)
SERVICE = "service"  # an access point's services, one of `choices`; fields in the order of its record
TEMPLATE = "template"  # a cloud's member: the first of `choices`; more are kept in opaque[name]
RESOURCES = "resources"  # a virtualInfrastructure's resources and links, built by `choices`
DROPPED = "dropped"  # read past: this model has no place for it
# Kinds of extension children (namespace EXT_NS, after the VXDL children; unknown ones are kept as written).
X_TEXT = "x-text"  # stripped text; written when set and not the default
X_FLAG = "x-flag"  # "true" or "1" is True; written when True
X_AMOUNT = "x-amount"  # a number with an optional unit attribute, of unit kind `unit`
PORTS = "x-ports"  # a router's x:port names (declared ports: not sized from its links)
PERIOD_CONFIG = "x-period-config"  # the `record` of one period, by its period attribute
AVAILABILITY = "x-availability"  # start and duration attributes
ROLE = "x-role"  # request or substrate (decides how the document is read)
PERIODS = "x-periods"  # named periods
LAYOUT = "x-layout"  # positions of the components by id
# Extension elements the table leaves as written: kept among a component's `extensions` (so a round trip keeps
# them) and read by the one module that uses them (x:disk: backend/guest/nocloud.py, user_disk_of).
KEPT_EXTENSIONS = frozenset({"disk"})
EXT_KINDS = frozenset({X_TEXT, X_FLAG, X_AMOUNT, PORTS, PERIOD_CONFIG, AVAILABILITY, ROLE, PERIODS, LAYOUT})
# The kinds both walks build; an element with a child of any other kind is left to the builder.
WALKED_KINDS = frozenset({TEXT, X_TEXT, QUANTITY, GROUP, PORTS})


@dataclass(frozen=True, eq=False)
class Field:
    """One child element: its name, the model attribute that holds it (dotted: an attribute's attribute),
    and its kind (see above)."""

    name: str
    attr: str | None
    kind: str
    unit: str | None = None  # unit kind of a QUANTITY or X_AMOUNT (units.SIZE, ...)
    many: bool = False  # may repeat (a list in the model)
    required: bool = False  # always present in a valid document, always written; `default` until read
    default: Any = None
    fields: tuple[Field, ...] = ()  # GROUP: the fields inside it
    record: Element | None = None  # RECORD and PERIOD_CONFIG: the element it holds
    choices: tuple[tuple[str, Element | None], ...] = ()  # SERVICE, TEMPLATE, RESOURCES: element by name

    @cached_property
    def ext(self) -> bool:
        """In the extension namespace."""
        return self.kind in EXT_KINDS

    @cached_property
    def tag(self) -> str:
        """The element's qualified name."""
        return (X if self.ext else V) + self.name

    @cached_property
    def choice_map(self) -> dict[str, Element | None]:
        """The elements of a choice by local name (None: not one this model holds)."""
        return dict(self.choices)

    @cached_property
    def choice_tags(self) -> frozenset[str]:
        """Qualified names of a choice."""
        return frozenset(V + name for name, _ in self.choices)

    @cached_property
    def value(self) -> Any:
        """Its value in an object: value(obj)."""
        return attrgetter(self.attr)

    @property
    def walked(self) -> bool:
        """A child the walks build (single, of a walked kind, held in a plain attribute)."""
        return self.kind in WALKED_KINDS and not self.many and (self.kind == GROUP or "." not in (self.attr or "."))


@dataclass(frozen=True, eq=False)
class Element:
    """A VXDL element: the model class it becomes, its complex type in the strict XSD (for counting
    cardinalities; None for an extension element) and its children in strict order."""

    tag: str
    cls: type
    xsd_type: str | None
    fields: tuple[Field, ...]

    def make(self) -> Any:
        """An empty object of this element, its required fields at their defaults."""
        return self.cls(**self.blank)

    @cached_property
    def blank(self) -> dict[str, Any]:
        """Constructor arguments of an empty object."""
        return {f.attr: f.default for f in self.fields if f.required and f.attr and "." not in f.attr}

    @cached_property
    def vxdl_fields(self) -> tuple[Field, ...]:
        """Children in the VXDL namespace, in strict order."""
        return tuple(f for f in self.fields if not f.ext)

    @cached_property
    def ext_fields(self) -> dict[str, Field]:
        """Children in the extension namespace by qualified name."""
        return {f.tag: f for f in self.fields if f.ext}

    @cached_property
    def order(self) -> dict[str, int]:
        """Position of each child name in the strict order."""
        return {f.name: i for i, f in enumerate(self.fields)}

    @property
    def is_link(self) -> bool:
        """A vLink (kept in the model's links, not its components)."""
        return self.tag == "vLink"


def get(obj: Any, attr: str) -> Any:
    """The value of a (dotted) attribute."""
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def put(obj: Any, attr: str, value: Any) -> None:
    """Set a (dotted) attribute; one of an immutable value (a lease's start) replaces that value."""
    head, _, last = attr.rpartition(".")
    if not head:
        setattr(obj, last, value)
        return
    path, _, name = head.rpartition(".")
    holder = get(obj, path) if path else obj
    inner = getattr(holder, name)
    if getattr(getattr(inner, "__dataclass_params__", None), "frozen", False):
        setattr(holder, name, replace(inner, **{last: value}))
    else:
        setattr(inner, last, value)


def text_mode(attr: str | None) -> str:
    """How the walks keep a text field's string: a link's end as the id string of the component it names
    ("end"), an id as read ("own"), any other (location, image, port...) as the one equal string of the read
    ("shared"): a model of 100,000 links holds each repeated string once."""
    if attr in ("source", "destination"):
        return "end"
    return "own" if attr == "id" else "shared"


def grown(obj: Any, attr: str) -> Any:
    """The list or dict of a (dotted) attribute, the object's own (not a shared empty), to add to in place."""
    head, _, last = attr.rpartition(".")
    return owned(get(obj, head) if head else obj, last)


def _text(name: str, attr: str | None = None, **options) -> Field:
    return Field(name, attr or name, TEXT, **options)


def _quantity(name: str, unit: str, attr: str | None = None) -> Field:
    return Field(name, attr or name, QUANTITY, unit)


def _opaque(name: str, many: bool = False) -> Field:
    return Field(name, None, OPAQUE, many=many)


ID = _text("id", required=True, default="")
LEASE = (Field("startDate", "lease.start", DATE), Field("totalTime", "lease.duration", DURATION))
FUNCTION = Field("function", "function", X_TEXT)

TAG = Element("tag", Tag, "TagType", (_text("key", required=True, default=""),
                                      _text("value", required=True, default="")))
TAGS = Field("tag", "tags", RECORD, many=True, record=TAG)
COMMON = (ID, _text("location"), *LEASE, _text("model"), Field("exclusivity", "exclusivity", BOOL), TAGS)

NODE = Element("vNode", Node, "NodeType", (
    *COMMON, _opaque("device", many=True), _opaque("image"), _text("region"),
    _quantity("memory", U.SIZE), _quantity("storage", U.SIZE),
    Field("cpu", None, GROUP, fields=(_text("architecture"), _quantity("cores", U.COUNT),
                                      _quantity("frequency", U.FREQUENCY))),
    FUNCTION))

STORAGE = Element("vStorage", Storage, "StorageType", (
    *COMMON, _text("type"), _opaque("image"), _text("region"), _quantity("size", U.SIZE), FUNCTION))

ROUTE = Element("route", Route, "RouteType", (
    _text("source", required=True, default=""), _text("destination", required=True, default=""),
    _text("vLinkIn", "link_in"), _text("vLinkOut", "link_out")))
CONTROL_PLANE = Element("controlPlane", ControlPlane, "ControlPlaneType", (
    _text("layer"), _text("type"), _text("routingProtocol", "routing_protocol"),
    Field("routingTable", None, GROUP, fields=(Field("rtSize", "table_size", INT),
                                               Field("route", "routes", RECORD, many=True, record=ROUTE)))))
ROUTER = Element("vRouter", Router, "RouterType", (
    *COMMON, _text("region"), _quantity("memory", U.SIZE),
    Field("controlPlane", "control_plane", RECORD, record=CONTROL_PLANE),
    Field("ports", "ports", PORTS), Field("cores", "cores", X_AMOUNT, U.COUNT), FUNCTION))


def _service(name: str, xsd_type: str, *fields: str) -> Element:
    """A service of an access point; its fields are kept as (name, text) pairs in this order."""
    return Element(name, Service, xsd_type, tuple(_text(f) for f in fields))


# VXDL 2.0's own order, which is not the same in the three (a loadBalancer and a masquerade take several
# inEndpoint).
SERVICES = (_service("loadBalancer", "LoadBalancerType", "inEndpoint", "region", "addressNumber"),
            _service("nat", "NatType", "inEndpoint", "inPort", "protocol", "region", "outPort"),
            _service("masquerade", "MasqueradeType", "inEndpoint", "region"))
ACCESS_POINT = Element("vAccessPoint", AccessPoint, "AccessPointType", (
    *COMMON, _text("region"),
    Field("service", "services", SERVICE, many=True, choices=tuple((s.tag, s) for s in SERVICES)),
    FUNCTION))

CLOUD = Element("vArray", Cloud, "ArrayType", (
    *COMMON, Field("cardinality", "cardinality", INT, required=True, default=1),
    Field("template", "template", TEMPLATE, choices=tuple((e.tag, e) for e in (NODE, STORAGE, ROUTER, ACCESS_POINT))),
    Field("organisation", "organisation", X_TEXT, default="none"),
    Field("internalBandwidth", "internal_bandwidth", X_AMOUNT, U.BANDWIDTH),
    Field("internalLatency", "internal_latency", X_AMOUNT, U.LATENCY), FUNCTION))

LINK_CONFIG = Element("periodConfig", LinkConfig, None, (
    Field("forward", "forward", X_AMOUNT, U.BANDWIDTH), Field("reverse", "reverse", X_AMOUNT, U.BANDWIDTH),
    Field("latency", "latency", X_AMOUNT, U.LATENCY)))
BANDWIDTH = Field("bandwidth", None, GROUP,
                  fields=(_quantity("forward", U.BANDWIDTH), _quantity("reverse", U.BANDWIDTH)))
ENDS = (_text("source", required=True, default=""), _text("destination", required=True, default=""))
LINK = Element("vLink", Link, "LinkType", (
    ID, _opaque("location"), *LEASE, _opaque("model"), _opaque("exclusivity"), _opaque("tag", many=True),
    *ENDS, BANDWIDTH, _quantity("latency", U.LATENCY),
    Field("sourcePort", "source_port", X_TEXT), Field("destinationPort", "destination_port", X_TEXT),
    Field("periodConfig", "periods", PERIOD_CONFIG, many=True, record=LINK_CONFIG)))

# A substrate is written in VXDL too: its vNodes are hosts and its vLinks physical links.
HOST = Element("vNode", Host, "NodeType", (
    ID, _text("location", "site"), _opaque("startDate"), _opaque("totalTime"), _opaque("model"),
    _opaque("exclusivity"), TAGS, _opaque("device", many=True), _opaque("image"), _opaque("region"),
    _quantity("memory", U.SIZE), _quantity("storage", U.SIZE),
    Field("cpu", None, GROUP, fields=(_opaque("architecture"), _quantity("cores", U.COUNT),
                                      _quantity("frequency", U.FREQUENCY))),
    Field("provisioned", "provisioned", X_FLAG), Field("uri", "uri", X_TEXT),
    Field("capacity", "capacity", X_AMOUNT, U.BANDWIDTH), Field("availability", "availability", AVAILABILITY)))
PHYSICAL_LINK = Element("vLink", PhysicalLink, "LinkType", (
    ID, _opaque("location"), _opaque("startDate"), _opaque("totalTime"), _opaque("model"), _opaque("exclusivity"),
    _opaque("tag", many=True), *ENDS, BANDWIDTH, _quantity("latency", U.LATENCY),
    Field("provisioned", "provisioned", X_FLAG)))

RESOURCE_TAGS = ("vNode", "vAccessPoint", "vRouter", "vStorage", "vLink", "vArray")  # the XSD's choice order
REQUEST_RESOURCES = tuple((e.tag, e) for e in (NODE, ACCESS_POINT, ROUTER, STORAGE, LINK, CLOUD))
SUBSTRATE_RESOURCES = tuple((tag, {"vNode": HOST, "vLink": PHYSICAL_LINK}.get(tag)) for tag in RESOURCE_TAGS)

DESCRIPTION = Field("description", "description", X_TEXT)  # a document's description in words
EVENT = Element("event", TimelineEvent, "EventType", (ID, Field("delay", "delay", DECIMAL, required=True, default=0.0)))
INFRASTRUCTURE = Element("virtualInfrastructure", Infrastructure, "VirtualInfrastructureType", (
    ID, _text("location"), *LEASE, _text("owner"), _text("user", "users", many=True),
    Field("resource", "components", RESOURCES, many=True, choices=REQUEST_RESOURCES),
    Field("timeline", None, GROUP, fields=(Field("event", "timeline", RECORD, many=True, record=EVENT),)),
    DESCRIPTION, Field("role", "role", ROLE, default="request"), Field("periods", "periods", PERIODS),
    Field("layout", None, LAYOUT)))
SUBSTRATE = Element("virtualInfrastructure", Substrate, "VirtualInfrastructureType", (
    ID, Field("location", None, DROPPED), *LEASE, _text("owner"), _text("user", "users", many=True),
    Field("resource", "components", RESOURCES, many=True, choices=SUBSTRATE_RESOURCES),
    Field("timeline", None, DROPPED),
    DESCRIPTION, Field("role", "role", ROLE, default="request"), Field("layout", None, LAYOUT)))

# What the writer writes each model class as.
ELEMENT_OF: dict[type, Element] = {e.cls: e for e in (NODE, STORAGE, ROUTER, ACCESS_POINT, CLOUD, LINK, HOST,
                                                      PHYSICAL_LINK, INFRASTRUCTURE, SUBSTRATE)}
