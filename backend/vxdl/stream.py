"""Reading a document resource by resource, so that the parsed tree (about 7 times the file) never holds the
whole document: the bytes are fed piece by piece to a pull parser of the safe options (secure.py); each resource
or link of the virtualInfrastructure is built (by the walk, else by the builder) as soon as its element ends, then
removed from the tree. What stays is the header (id, lease, description, role, layout...), read at the end by the
builder as usual. Meanwhile a worker thread checks the same bytes against VXDL 2.0's strict XSD, parsed into no
tree (overlap.check_strict_bytes), on the other core: reading this way is as quick as reading whole.

Only a document that passes the strict XSD is read this way, with the problems of the model's rules (semantic
ones), placed at their columns by parsing the bytes again into no whole tree (StreamedElements). For any other (a
schema or cardinality problem, a value problem, a duplicate id, a count over the limits, a builder failure)
`read_streaming_checked` answers None and the reader reads it again, resource by resource with every problem
(stream_problems.py) or, for what only the whole tree can say, whole (reader.py). A document type is refused
(VxdlFileError, the whole reading's words) once the rest is seen well-formed, its tree never built; so is a document
that is not well-formed (secure.refuse_malformed: the bytes parsed again into no tree, to say where)."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from itertools import chain

from lxml import etree

import backend.vxdl.fields as F
from backend.model import Infrastructure, Problem, Substrate
from backend.model.rules import MAX_EXPANDED_COMPONENTS, MAX_EXPANDED_LINKS
from backend.vxdl.builder import ModelBuilder, spec_for
from backend.vxdl.errors import VxdlFileError
from backend.vxdl.fields import RESOURCE_TAGS, V, X
from backend.vxdl.overlap import StrictCheck, check_strict_bytes, check_strict_file, gc_paused
from backend.vxdl.schema import strict_schema
from backend.vxdl.secure import FileSource, has_doctype, pull_parser, refuse_doctype, refuse_malformed, told_encoding
from backend.vxdl.walk import active_walker

CHUNK = 1 << 16  # bytes fed at a time: the events of one piece are handled before the next is parsed
DESCRIPTION, INFRASTRUCTURE, ROLE = V + "description", V + "virtualInfrastructure", X + "role"


class WholeTree(Exception):
    """The document has to be read whole (see the module's docstring)."""


class Malformed(WholeTree):
    """The document is not well-formed to the pull parser: refused in the whole reading's words without its tree."""


class _OverLimits(WholeTree):
    """A request of more components or links than the limits: refused by the whole reading, which counts them."""


def read_streaming(data: bytes, filename: str, role: str | None, strict: StrictCheck | None = None
                   ) -> Infrastructure | Substrate | None:
    """The model of a strict-valid document without problems, read resource by resource; None when the document
    has to be read whole (it has a problem, or a document type, or is over the limits, or is not VXDL).
    `strict`: the strict check of these bytes already started."""
    found = read_streaming_checked(data, filename, role, strict)
    return found[0] if found is not None and not found[1] else None


def read_streaming_checked(data: bytes | FileSource, filename: str, role: str | None, strict: StrictCheck | None = None,
                           over_limits: list | None = None) -> tuple[Infrastructure | Substrate, list[Problem]] | None:
    """The model of a strict-valid document read resource by resource, with the problems of the model's rules
    (semantic ones: a link to a missing node, a lease ending before it starts...), each at its file, line and
    element, their columns placed by the reader (StreamedElements); None when the document has to be read whole
    (`over_limits` given True when it is a request of more components or links than the limits)."""
    strict_schema()  # here: a missing or broken schema raises SchemaUnavailable, a fault of the install
    stream = _Stream(data, filename, role, strict)
    try:
        with gc_paused():
            return stream.run()
    except _OverLimits:
        if over_limits is not None:
            over_limits.append(True)
        return None
    except Malformed:
        pass  # said below, once what the reading had built and its frames are freed
    except WholeTree:
        return None
    except RoleDeclared:
        return read_streaming_checked(data, filename, "substrate", stream.strict, over_limits)
    except VxdlFileError:  # a document type: refused
        raise
    except Exception:  # whatever it is, the whole-tree reading says it in words
        logging.getLogger(__name__).debug("reading %s resource by resource failed", filename, exc_info=True)
        return None
    del stream  # malformed: the model built so far goes before the parse that says where
    refuse_malformed(data, filename)  # parse_bytes' words, from a parse that builds no tree (held: a few MB)
    return None  # well-formed to the whole reading: read whole


class StreamedElements:
    """What place_columns asks of a tree (`iter(*tags)`: the elements of those tags in document order, with their
    line and children) for a document read resource by resource: the bytes parsed again by a pull parser, each
    resource freed once it has ended, so the tree never holds the document."""

    def __init__(self, data: bytes | FileSource):
        self.data = data

    def iter(self, *tags: str):
        wanted = {tag.rpartition("}")[2] for tag in tags}
        parser = pull_parser([*tags, *("{*}" + tag for tag in RESOURCE_TAGS)], events=("end",),
                             encoding=told_encoding(self.data))
        for piece in chain(pieces(self.data), [None]):  # (read as they come, never held together)
            if piece is not None:
                parser.feed(piece)
            else:
                parser.close()
            for _event, el in parser.read_events():
                if el.tag.rpartition("}")[2] in wanted:
                    yield el
                parent = el.getparent()
                if parent is not None and parent.tag == INFRASTRUCTURE:
                    el.clear(keep_tail=True)
                    while el.getprevious() is not None:
                        del parent[0]


def pieces(data: bytes | FileSource) -> Iterator[bytes]:
    """Bytes, or a file read a piece at a time (never held whole), in pieces of CHUNK bytes."""
    if isinstance(data, FileSource):
        reading = data.reading()
        return iter(lambda: reading.read(CHUNK), b"")
    return (data[start:start + CHUNK] for start in range(0, len(data), CHUNK))


class RoleDeclared(Exception):
    """A document read as a request declared itself a substrate after its resources (x:role comes last)."""


class Pieces(ABC):
    """What both readings resource by resource share (this one and stream_problems.py): the bytes fed a piece at a
    time to a pull parser of virtualInfrastructure starts, begin(vi) at the first, take(False) after each piece
    from then on; and what the document is read as."""

    data: bytes | FileSource
    filename: str
    parser: etree.XMLPullParser
    vi: etree._Element | None
    role: str | None

    @abstractmethod
    def begin(self, vi) -> None:
        """The virtualInfrastructure element has started: what to read it as, and where its resources go."""

    @abstractmethod
    def take(self, ended: bool) -> None:
        """Handle the resources that have ended (`ended`: the document itself has ended)."""

    def feed_all(self):
        """The root, once every piece is fed and taken; XMLSyntaxError or ValueError when not well-formed; a document
        type refused (VxdlFileError, as the whole reading refuses it) once the rest is seen well-formed."""
        feed, events = self.parser.feed, self.parser.read_events
        chunks, head = pieces(self.data), []
        for piece in chunks:
            feed(piece)
            if self.vi is None:
                head.append(piece)  # (the document type is before the virtualInfrastructure)
                for _event, el in events():
                    tree = el.getroottree()
                    if has_doctype(tree):
                        refuse_doctype(self.parser, chunks, b"".join(head), tree.getroot(), self.filename)
                    if self.vi is None:  # (a second one in the same piece is the first's sibling)
                        self.begin(el)
                if self.vi is not None:
                    head = []
            if self.vi is not None:
                self.take(False)
        return self.parser.close()

    def read_as(self):
        """At the first resources: the role asked for, else an x:role that has ended before them, else a request
        (finish() reads it again if a later x:role says otherwise); the model's element and its resources' field."""
        node = self.vi.find(ROLE)
        declared = (node.text or "").strip() if node is not None and node.getnext() is not None else None
        spec = spec_for(self.role, declared)
        return spec, next(f for f in spec.vxdl_fields if f.kind == F.RESOURCES)


class _Stream(Pieces):
    """One read: the parser, the model being built and its checks against the limits."""

    def __init__(self, data: bytes | FileSource, filename: str, role: str | None, strict: StrictCheck | None):
        self.data, self.role, self.strict, self.filename = data, role, strict, filename
        self.builder = ModelBuilder(filename, b"" if isinstance(data, FileSource) else data, active_walker())
        # (its columns are the reader's to find, from the bytes, for problems)
        self.parser = pull_parser(INFRASTRUCTURE, encoding=told_encoding(data))
        self.vi = None
        self.model = None

    def run(self) -> tuple[Infrastructure | Substrate, list[Problem]]:
        """Feed the bytes, build the resources that have ended after each piece, then the header; WholeTree for
        any problem."""
        try:
            root = self.feed_all()
        except etree.XMLSyntaxError:
            raise Malformed from None
        except ValueError:
            raise WholeTree from None
        if self.vi is not None:
            self.take(True)
        return self.finish(root)

    def begin(self, vi) -> None:
        """At the start of a virtualInfrastructure: the first child of a VXDL root with no document type; the
        strict check of the bytes starts (none before: a document type is only seen here)."""
        root = vi.getparent()
        if root is None or root.tag != DESCRIPTION or root.getparent() is not None \
                or root.find(INFRASTRUCTURE) is not vi or has_doctype(vi.getroottree()):
            raise WholeTree
        self.vi = vi
        if self.strict is None:
            data = self.data
            self.strict = check_strict_file(data.reading()) if isinstance(data, FileSource) \
                else check_strict_bytes(data)

    def choose(self) -> None:
        """At the first resources: what the document is read as (Pieces.read_as)."""
        self.spec, field = self.read_as()
        self.model = self.spec.make()
        self.resources, self.choice = field.choices, field.choice_map

    def take(self, ended: bool) -> None:
        """Build the resources and links that have ended into the model, freeing their elements (the walk does
        most; the builder the others, in order)."""
        if self.strict is not None and self.strict.failed():
            raise WholeTree  # the worker has found a schema problem: no use building further
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
                raise WholeTree
            if made is None:
                made = builder.element(el, spec)
            if builder.problems or made.id in model.components or (spec.is_link and made.id in model.links):
                raise WholeTree
            (model.links if spec.is_link else model.components)[made.id] = made
            el.clear()
            vi.remove(el)
        if self.spec is F.INFRASTRUCTURE and (len(model.components) > MAX_EXPANDED_COMPONENTS
                                              or len(model.links) > MAX_EXPANDED_LINKS):
            raise _OverLimits  # refused, by the whole-tree reading, with its counts

    def finish(self, root) -> tuple[Infrastructure | Substrate, list[Problem]]:
        """The header read by the builder into the model, and the model's rules' problems; WholeTree for any
        other problem (schema, value, duplicate id...), which the whole reading places."""
        if root is None or root.tag != DESCRIPTION or has_doctype(root.getroottree()):
            raise WholeTree
        if self.model is not None and self.role is None and self.spec is not F.SUBSTRATE:
            node = self.vi.find(ROLE)
            if node is not None and (node.text or "").strip() == "substrate":
                raise RoleDeclared
        model = self.builder.read(root, self.role, into=self.model)
        if model is None or self.builder.problems or self.strict is None or not self.strict.result():
            raise WholeTree
        if isinstance(self.data, FileSource) and not self.data.same_read():
            raise WholeTree  # the file changed under the two readings: read again from one copy of its bytes
        problems = model.validate()
        for p in problems:  # as the whole reading gives them (reader._finish), their columns placed later
            p.file = self.builder.filename
            if p.line is None and p.element == "virtualInfrastructure":  # the VXI's own (its lease, its size)
                p.line = root[0].sourceline if len(root) else root.sourceline
        return model, problems
