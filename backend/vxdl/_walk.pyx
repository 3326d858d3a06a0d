# cython: language_level=3, boundscheck=False, wraparound=False
"""The compiled walk of strict-valid VXDL: nodes, links, routers and the layout built straight from the
libxml2 tree under lxml. It gives the objects the Python readers give; for anything unusual it gives
None (or the element) and they take over."""

from libc.string cimport strcmp
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, elementFactory, import_lxml__etree

from backend.model import Link, Node, Quantity, Router
from backend.model import units as U
from backend.model.quantity import INTERVAL, SIMPLE
from backend.vxdl.schema import EXT_NS, VXDL_NS

import_lxml__etree()


cdef extern from "Python.h":
    double PyOS_string_to_double(const char* s, char** endptr, void* overflow_exception) except? -1.0


cdef extern from "libxml/tree.h":
    ctypedef struct RawNode "struct _xmlNode":  # the fields lxml's declaration leaves out
        void* psvi
        unsigned short line

cdef bytes _NS_BYTES = VXDL_NS.encode()
cdef const char* NS = _NS_BYTES
cdef bytes _X_BYTES = EXT_NS.encode()
cdef const char* XNS = _X_BYTES
cdef object SIZE = U.SIZE, COUNT = U.COUNT, FREQUENCY = U.FREQUENCY
cdef object BANDWIDTH = U.BANDWIDTH, LATENCY = U.LATENCY
cdef dict UNITS = U.UNITS, DEFAULT_UNIT = U.DEFAULT_UNIT
cdef object SIMPLE_SHAPE = SIMPLE, INTERVAL_SHAPE = INTERVAL


class Unusual(Exception):
    """Raised inside a builder when the element needs the general reader."""


cdef inline tree.xmlNode* next_element(tree.xmlNode* n):
    """`n` or the first element after it (text between elements is whitespace in valid files)."""
    while n is not NULL and n.type != tree.XML_ELEMENT_NODE:
        n = n.next
    return n


cdef inline bint named(tree.xmlNode* n, const char* local):
    return n.ns is not NULL and strcmp(<const char*>n.ns.href, NS) == 0 and strcmp(<const char*>n.name, local) == 0


cdef inline const char* leaf(tree.xmlNode* n) except NULL:
    """The text of an element holding one text node (a comment or CDATA inside is unusual)."""
    cdef tree.xmlNode* c = n.children
    if c is NULL:
        return b""
    if c.type != tree.XML_TEXT_NODE or c.next is not NULL:
        raise Unusual()
    return <const char*>c.content


cdef inline str stripped(tree.xmlNode* n):
    return leaf(n).decode("utf-8").strip()


cdef inline bint blank(const char* t):
    """Only blanks from `t` to the end."""
    while t[0] in (32, 9, 10, 13):
        t += 1
    return t[0] == 0


cdef inline bint plain_decimal(const char* text):
    """Digits, sign, point, exponent and blanks only."""
    cdef const char* t = text
    while t[0] != 0:
        if not (48 <= t[0] <= 57 or t[0] in (43, 45, 46, 69, 101, 32, 9, 10, 13)):
            return False
        t += 1
    return True


cdef bint decimal(const char* text, double* out):
    """A plain decimal with blanks around it, read as Python's float() reads it (whatever the C locale says
    about the decimal point); False for anything else."""
    cdef char* end
    while text[0] in (32, 9, 10, 13):
        text += 1
    if not plain_decimal(text):
        return False
    try:
        out[0] = PyOS_string_to_double(text, &end, NULL)
    except ValueError:
        return False
    return end != text and blank(end)


cdef inline double number(tree.xmlNode* n) except? -1.0:
    """An xs:decimal element (the XSD has checked it); Unusual when it does not read plainly."""
    cdef double value
    if not decimal(leaf(n), &value):
        raise Unusual()
    return value


cdef object quantity(tree.xmlNode* el, object kind, dict shared):
    """`<unit>` with `<simple>` or `<interval>`, normalised to SI; Unusual for any other form.
    Equal quantities are one object, kept in `shared` (quantities are immutable)."""
    cdef tree.xmlNode* c = next_element(el.children)
    cdef tree.xmlNode* b
    cdef object unit = None, scale
    cdef bint has_value = False, has_low = False, has_high = False
    cdef double value = 0, low = 0, high = 0
    while c is not NULL:
        if named(c, b"unit"):
            unit = stripped(c)
        elif named(c, b"simple"):
            value, has_value = number(c), True
        elif named(c, b"interval"):
            b = next_element(c.children)
            while b is not NULL:
                if named(b, b"min"):
                    low, has_low = number(b), True
                elif named(b, b"max"):
                    high, has_high = number(b), True
                else:
                    raise Unusual()
                b = next_element(b.next)
        else:
            raise Unusual()
        c = next_element(c.next)
    scale = (<dict>UNITS[kind]).get(unit or DEFAULT_UNIT[kind])
    if scale is None or (kind == COUNT and unit):
        raise Unusual()
    if has_value:
        key = (kind, unit, value)
    elif has_low or has_high:
        key = (kind, unit, low if has_low else None, high if has_high else None)
    else:
        raise Unusual()
    found = shared.get(key)
    if found is not None:
        return found
    if has_value:
        found = Quantity(kind, SIMPLE_SHAPE, value=value * <double>scale, unit=unit or None)
    else:
        found = Quantity(kind, INTERVAL_SHAPE, min=low * <double>scale if has_low else None,
                         max=high * <double>scale if has_high else None, unit=unit or None)
    shared[key] = found
    return found


cdef long big_line(tree.xmlNode* n, int depth):
    """libxml2 keeps a line past 65534 on a text node (psvi); an element finds it down its first
    descendants, as lxml's sourceline does. -1 when not found near."""
    cdef RawNode* raw
    while n is not NULL and depth < 5:
        raw = <RawNode*>n
        if raw.line != 65535:
            return raw.line
        if n.type == tree.XML_TEXT_NODE:
            return <long>raw.psvi if raw.psvi is not NULL else -1
        if n.type != tree.XML_ELEMENT_NODE or n.children is NULL:
            return -1
        n = n.children
        depth += 1
    return -1


cdef object line_of(tree.xmlNode* n, _Element parent):
    """The line lxml's sourceline gives for element `n`, read from libxml2's node where it can."""
    cdef long line = (<RawNode*>n).line
    if line == 65535:
        line = big_line(n.children, 1) if n.children is not NULL else -1
    if line > 0:
        return line
    return elementFactory(parent._doc, n).sourceline


cdef object build_node(tree.xmlNode* element, object line, dict shared):
    """See node()."""
    cdef tree.xmlNode* c = next_element(element.children)
    cdef tree.xmlNode* p
    cid = location = memory = storage = cores = frequency = architecture = None
    try:
        while c is not NULL:
            if named(c, b"id"):
                cid = stripped(c)
            elif named(c, b"location"):
                location = stripped(c)
            elif named(c, b"memory"):
                memory = quantity(c, SIZE, shared)
            elif named(c, b"storage"):
                storage = quantity(c, SIZE, shared)
            elif named(c, b"cpu"):
                p = next_element(c.children)
                while p is not NULL:
                    if named(p, b"cores"):
                        cores = quantity(p, COUNT, shared)
                    elif named(p, b"frequency"):
                        frequency = quantity(p, FREQUENCY, shared)
                    elif named(p, b"architecture"):
                        architecture = stripped(p)
                    else:
                        raise Unusual()
                    p = next_element(p.next)
            else:
                return None
            c = next_element(c.next)
    except (Unusual, UnicodeDecodeError):
        return None
    if cid is None:
        return None
    return Node(cid, location=location, memory=memory, storage=storage, cores=cores, frequency=frequency,
                architecture=architecture, origin=(line, 0))


cdef object build_link(tree.xmlNode* element, object line, dict shared):
    """See link()."""
    cdef tree.xmlNode* c = next_element(element.children)
    cdef tree.xmlNode* p
    lid = source = destination = forward = reverse = latency = None
    try:
        while c is not NULL:
            if named(c, b"id"):
                lid = stripped(c)
            elif named(c, b"source"):
                source = stripped(c)
            elif named(c, b"destination"):
                destination = stripped(c)
            elif named(c, b"bandwidth"):
                p = next_element(c.children)
                while p is not NULL:
                    if named(p, b"forward"):
                        forward = quantity(p, BANDWIDTH, shared)
                    elif named(p, b"reverse"):
                        reverse = quantity(p, BANDWIDTH, shared)
                    else:
                        raise Unusual()
                    p = next_element(p.next)
            elif named(c, b"latency"):
                latency = quantity(c, LATENCY, shared)
            else:
                return None
            c = next_element(c.next)
    except (Unusual, UnicodeDecodeError):
        return None
    if lid is None or source is None or destination is None:
        return None
    return Link(lid, source, destination, forward=forward, reverse=reverse, latency=latency, origin=(line, 0))


def link(_Element element, dict shared):
    """A vLink with only id, ends, bandwidth and latency in their common forms; None otherwise."""
    return build_link(element._c_node, element.sourceline, shared)


cdef object build_router(tree.xmlNode* element, object line, dict shared):
    """A vRouter with only id and memory, then x:ports; None otherwise."""
    cdef tree.xmlNode* c = next_element(element.children)
    cdef tree.xmlNode* p
    cdef list ports = None
    cid = memory = None
    try:
        while c is not NULL:
            if named(c, b"id"):
                cid = stripped(c)
            elif named(c, b"memory"):
                memory = quantity(c, SIZE, shared)
            elif (ports is None and c.ns is not NULL and strcmp(<const char*>c.ns.href, XNS) == 0
                  and strcmp(<const char*>c.name, b"ports") == 0):
                ports = []
                p = next_element(c.children)
                while p is not NULL:
                    if p.ns is NULL or strcmp(<const char*>p.ns.href, XNS) != 0 or strcmp(<const char*>p.name, b"port") != 0:
                        raise Unusual()
                    ports.append(stripped(p))
                    p = next_element(p.next)
            else:
                return None
            c = next_element(c.next)
    except (Unusual, UnicodeDecodeError):
        return None
    if cid is None or ports is None:
        return None
    return Router(cid, memory=memory, ports=ports, origin=(line, 0))


cdef bint is_resource_or_link(tree.xmlNode* c):
    cdef const char* name = <const char*>c.name
    return (strcmp(name, b"vNode") == 0 or strcmp(name, b"vLink") == 0 or strcmp(name, b"vRouter") == 0
            or strcmp(name, b"vStorage") == 0 or strcmp(name, b"vAccessPoint") == 0 or strcmp(name, b"vArray") == 0)


def resources_into(_Element parent, dict shared, dict components, dict links, set declared_ports):
    """Build the resources and links of a virtualInfrastructure into `components` and `links`, in order,
    as long as each is built here and its id is new. From the first that is not (an unusual element, a
    duplicate id), the rest is returned as (built object or None, element) pairs for the reader, in order."""
    cdef tree.xmlNode* c = next_element(parent._c_node.children)
    cdef list rest = []
    cdef bint direct = True
    while c is not NULL:
        if c.ns is not NULL and strcmp(<const char*>c.ns.href, NS) == 0 and is_resource_or_link(c):
            built = None
            if strcmp(<const char*>c.name, b"vNode") == 0:
                built = build_node(c, line_of(c, parent), shared)
            elif strcmp(<const char*>c.name, b"vLink") == 0:
                built = build_link(c, line_of(c, parent), shared)
            elif strcmp(<const char*>c.name, b"vRouter") == 0:
                built = build_router(c, line_of(c, parent), shared)
            if direct and built is not None:
                if type(built) is Link:
                    if built.id not in links and built.id not in components:
                        links[built.id] = built
                        c = next_element(c.next)
                        continue
                elif built.id not in components:
                    if type(built) is Router:
                        declared_ports.add(built.id)
                    components[built.id] = built
                    c = next_element(c.next)
                    continue
            direct = False
            rest.append((built, elementFactory(parent._doc, c)))
        c = next_element(c.next)
    return rest


def header_children(_Element parent):
    """The children of a virtualInfrastructure other than its resources and links (its id, lease,
    timeline, extensions...), as elements: what the reader groups by name."""
    cdef tree.xmlNode* c = next_element(parent._c_node.children)
    cdef list found = []
    while c is not NULL:
        if not (c.ns is not NULL and strcmp(<const char*>c.ns.href, NS) == 0 and is_resource_or_link(c)):
            found.append(elementFactory(parent._doc, c))
        c = next_element(c.next)
    return found


def sourceline(_Element element):
    """What line_of gives for an element (the tests compare it with lxml's sourceline)."""
    return line_of(element._c_node, element)


cdef const char* attribute(tree.xmlNode* n, const char* name, const char* missing):
    """An unqualified attribute's text (NULL when it is not one plain text)."""
    cdef tree.xmlAttr* a = n.properties
    while a is not NULL:
        if a.ns is NULL and strcmp(<const char*>a.name, name) == 0:
            if a.children is NULL:
                return b""
            if a.children.type != tree.XML_TEXT_NODE or a.children.next is not NULL:
                return NULL
            return <const char*>a.children.content
        a = a.next
    return missing


def positions(_Element layout):
    """The x:layout's positions by ref, or None when one is not plainly numeric (the reader then reports it)."""
    cdef tree.xmlNode* c = next_element(layout._c_node.children)
    cdef const char* ref
    cdef const char* xs
    cdef const char* ys
    cdef double x, y
    cdef dict found = {}
    while c is not NULL:
        if c.ns is not NULL and strcmp(<const char*>c.ns.href, XNS) == 0 and strcmp(<const char*>c.name, b"position") == 0:
            ref, xs, ys = attribute(c, b"ref", b""), attribute(c, b"x", b"0"), attribute(c, b"y", b"0")
            if ref is NULL or xs is NULL or ys is NULL or not decimal(xs, &x) or not decimal(ys, &y):
                return None
            found[ref.decode("utf-8")] = (x, y)
        c = next_element(c.next)
    return found

