"""Reading a document resource by resource, so that the parsed tree (about 7 times the file) never holds the
whole document: the bytes are fed piece by piece to a pull parser of the safe options (secure.py); each resource
or link of the virtualInfrastructure is built (by the walk, else by the builder) as soon as its element ends, then
removed from the tree. What stays is the header (id, lease, description, role, layout...), read at the end by the
builder as usual. Meanwhile a worker thread checks the same bytes against VXDL 2.0's strict XSD, parsed into no
tree (overlap.check_strict_bytes), on the other core: reading this way is as quick as reading whole.

Only a document that passes the strict XSD and gives no problem at all is read this way. For any other (a schema
or cardinality problem, a value or semantic problem, a duplicate id, a document type, a count over the limits, a
builder failure) `read_streaming` answers None and the reader reads the whole tree again (reader.py), which
finds every problem and places it by line, column and element."""

from __future__ import annotations

import logging

from lxml import etree

import backend.vxdl.fields as F
from backend.model import Infrastructure, Substrate
from backend.model.rules import MAX_EXPANDED_COMPONENTS, MAX_EXPANDED_LINKS
from backend.vxdl.builder import ModelBuilder, spec_for
from backend.vxdl.fields import V, X
from backend.vxdl.overlap import StrictCheck, check_strict_bytes, gc_paused
from backend.vxdl.schema import strict_schema
from backend.vxdl.secure import has_doctype, pull_parser
from backend.vxdl.walk import active_walker

CHUNK = 1 << 16  # bytes fed at a time: the events of one piece are handled before the next is parsed
DESCRIPTION, INFRASTRUCTURE, ROLE = V + "description", V + "virtualInfrastructure", X + "role"


class _WholeTree(Exception):
    """The document has to be read whole (see the module's docstring)."""


def read_streaming(data: bytes, filename: str, role: str | None, strict: StrictCheck | None = None
                   ) -> Infrastructure | Substrate | None:
    """The model of a strict-valid document without problems, read resource by resource; None when the document
    has to be read whole (it has a problem, or a document type, or is over the limits, or is not VXDL).
    `strict`: the strict check of these bytes already started."""
    strict_schema()  # here: a missing or broken schema raises SchemaUnavailable, a fault of the install
    stream = _Stream(data, filename, role, strict)
    try:
        with gc_paused():
            return stream.run()
    except _WholeTree:
        return None
    except _RoleDeclared:
        return read_streaming(data, filename, "substrate", stream.strict)
    except Exception:  # whatever it is, the whole-tree reading says it in words
        logging.getLogger(__name__).debug("reading %s resource by resource failed", filename, exc_info=True)
        return None


class _RoleDeclared(Exception):
    """A document read as a request declared itself a substrate after its resources (x:role comes last)."""


class _Stream:
    """One read: the parser, the model being built and its checks against the limits."""

    def __init__(self, data: bytes, filename: str, role: str | None, strict: StrictCheck | None):
        self.data, self.role, self.strict = data, role, strict
        self.builder = ModelBuilder(filename, data, active_walker())
        self.parser = pull_parser(INFRASTRUCTURE)
        self.vi = None
        self.model = None

    def run(self) -> Infrastructure | Substrate | None:
        """Feed the bytes, build the resources that have ended after each piece, then the header; _WholeTree for
        any problem."""
        feed, events, data = self.parser.feed, self.parser.read_events, self.data
        try:
            for start in range(0, len(data), CHUNK):
                feed(data[start:start + CHUNK])
                if self.vi is None:
                    for _event, el in events():
                        self.begin(el)
                if self.vi is not None:
                    self.take(False)
            root = self.parser.close()  # raises when the document is not well-formed
        except (etree.XMLSyntaxError, ValueError):
            raise _WholeTree from None
        if self.vi is not None:
            self.take(True)
        return self.finish(root)

    def begin(self, vi) -> None:
        """At the start of a virtualInfrastructure: the first child of a VXDL root with no document type; the
        strict check of the bytes starts (none before: a document type is only seen here)."""
        root = vi.getparent()
        if root is None or root.tag != DESCRIPTION or root.getparent() is not None \
                or root.find(INFRASTRUCTURE) is not vi or has_doctype(vi.getroottree()):
            raise _WholeTree
        self.vi = vi
        if self.strict is None:
            self.strict = check_strict_bytes(self.data)

    def choose(self) -> None:
        """At the first resources: what the document is read as (the role asked for, else an x:role that
        has ended before them, else a request; finish() reads it again if a later x:role says otherwise)."""
        node = self.vi.find(ROLE)
        declared = (node.text or "").strip() if node is not None and node.getnext() is not None else None
        self.spec = spec_for(self.role, declared)
        self.model = self.spec.make()
        field = next(f for f in self.spec.vxdl_fields if f.kind == F.RESOURCES)
        self.resources, self.choice = field.choices, field.choice_map

    def take(self, ended: bool) -> None:
        """Build the resources and links that have ended into the model, freeing their elements (the walk does
        most; the builder the others, in order)."""
        if self.strict is not None and self.strict.failed():
            raise _WholeTree  # the worker has found a schema problem: no use building further
        if self.model is None:
            self.choose()
        builder, model, vi = self.builder, self.model, self.vi
        start, count, rest = builder.walker.take(vi, self.resources, builder.shared_quantities, model.components,
                                                 model.links, builder._declared_ports, ended)
        if count:
            del vi[start:start + count]
        for made, el in rest:
            spec = self.choice[el.tag[len(V):]]
            if spec is None:  # a substrate's vRouter, say: a warning, and kept as written
                raise _WholeTree
            if made is None:
                made = builder.element(el, spec)
            if builder.problems or made.id in model.components or (spec.is_link and made.id in model.links):
                raise _WholeTree
            (model.links if spec.is_link else model.components)[made.id] = made
            el.clear()
            vi.remove(el)
        if self.spec is F.INFRASTRUCTURE and (len(model.components) > MAX_EXPANDED_COMPONENTS
                                              or len(model.links) > MAX_EXPANDED_LINKS):
            raise _WholeTree  # refused, by the whole-tree reading, with its counts

    def finish(self, root) -> Infrastructure | Substrate | None:
        """The header read by the builder into the model; _WholeTree when anything gives a problem."""
        if root is None or root.tag != DESCRIPTION or has_doctype(root.getroottree()):
            raise _WholeTree
        if self.model is not None and self.role is None and self.spec is not F.SUBSTRATE:
            node = self.vi.find(ROLE)
            if node is not None and (node.text or "").strip() == "substrate":
                raise _RoleDeclared
        model = self.builder.read(root, self.role, into=self.model)
        if model is None or self.builder.problems or model.validate() or self.strict is None \
                or not self.strict.result():
            raise _WholeTree
        return model
