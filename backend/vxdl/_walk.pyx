# cython: language_level=3, boundscheck=False, wraparound=False
"""The compiled walk of strict-valid VXDL (see backend/vxdl/walk.py): the functions and results of PureWalk,
reading the libxml2 tree under lxml in C. It follows the field table (backend/vxdl/fields.py): the walked
children of each element become a plan of C strings, and an element holding any other child is left to the
builder, so a field added to the table needs no change here."""

from libc.string cimport strcmp
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, _isElement, elementFactory, import_lxml__etree

from backend.model import Quantity
from backend.model import units as U
from backend.model.quantity import INTERVAL, SIMPLE
from backend.vxdl.fields import GROUP, PORTS, QUANTITY, TEXT, X_TEXT, text_mode
from backend.vxdl.schema import EXT_NS, VXDL_NS

import_lxml__etree()


cdef extern from "Python.h":
    double PyOS_string_to_double(const char* s, char** endptr, void* overflow_exception) except? -1.0


cdef extern from *:
    const char* VXI_LXML_VERSION  # the lxml this module was compiled against (setup.py defines it)

LXML_BUILT = VXI_LXML_VERSION.decode()


cdef extern from "libxml/tree.h":
    ctypedef struct RawNode "struct _xmlNode":  # the fields lxml's declaration leaves out
        void* psvi
        unsigned short line

cdef bytes _NS_BYTES = VXDL_NS.encode()
cdef const char* NS = _NS_BYTES
cdef bytes _X_BYTES = EXT_NS.encode()
cdef const char* XNS = _X_BYTES
cdef object COUNT = U.COUNT
cdef dict UNITS = U.UNITS, DEFAULT_UNIT = U.DEFAULT_UNIT
cdef object SIMPLE_SHAPE = SIMPLE, INTERVAL_SHAPE = INTERVAL


class Unusual(Exception):
    """Raised inside the walk when an element is left to the builder."""


cdef inline tree.xmlNode* next_element(tree.xmlNode* n):
    """`n` or the first element after it (text between elements is whitespace in valid files)."""
    while n is not NULL and n.type != tree.XML_ELEMENT_NODE:
        n = n.next
    return n


cdef inline bint named(tree.xmlNode* n, const char* local):
    return n.ns is not NULL and strcmp(<const char*>n.ns.href, NS) == 0 and strcmp(<const char*>n.name, local) == 0


cdef inline int space(tree.xmlNode* n):
    """0 for the VXDL namespace, 1 for the extension namespace, -1 for any other."""
    if n.ns is NULL:
        return -1
    if strcmp(<const char*>n.ns.href, NS) == 0:
        return 0
    if strcmp(<const char*>n.ns.href, XNS) == 0:
        return 1
    return -1


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


cdef enum:
    MAX_FIELDS = 48
    REFUSED = 2  # fill(): a child the plan does not know
    K_TEXT = 1
    K_QUANTITY = 2
    K_GROUP = 3
    K_PORTS = 4


cdef dict KIND_CODES = {TEXT: K_TEXT, X_TEXT: K_TEXT, QUANTITY: K_QUANTITY, GROUP: K_GROUP, PORTS: K_PORTS}
cdef enum:  # how a text is kept (see text_mode in fields.py)
    T_OWN = 0
    T_SHARED = 1
    T_END = 2
cdef dict TEXT_MODES = {"own": T_OWN, "shared": T_SHARED, "end": T_END}


cdef class Plan:
    """The walked children of an element (or of a group inside it): names, namespaces, kinds, attributes."""

    cdef int n
    cdef const char* names[MAX_FIELDS]
    cdef bint ext[MAX_FIELDS]
    cdef int kinds[MAX_FIELDS]
    cdef int modes[MAX_FIELDS]
    cdef list attrs, units, inner, keep

    def __init__(self, fields):
        self.n = 0
        self.attrs, self.units, self.inner, self.keep = [], [], [], []
        for f in fields:
            code = KIND_CODES.get(f.kind)
            if not f.walked or code is None or self.n == MAX_FIELDS:
                continue  # not in the plan: an element holding it is left to the builder
            name = f.name.encode()
            self.keep.append(name)
            self.names[self.n] = name
            self.ext[self.n] = f.ext
            self.kinds[self.n] = code
            self.modes[self.n] = TEXT_MODES[text_mode(f.attr)]
            self.attrs.append(f.attr)
            self.units.append(f.unit)
            self.inner.append(Plan(f.fields) if code == K_GROUP else None)
            self.n += 1

    cdef inline int find(self, tree.xmlNode* c, bint ext):
        cdef int i
        for i in range(self.n):
            if self.ext[i] == ext and strcmp(self.names[i], <const char*>c.name) == 0:
                return i
        return -1


cdef class ElementPlan:
    """How the walk builds one element: its plan, model class and required attributes."""

    cdef Plan fields
    cdef object cls
    cdef bint is_link, possible
    cdef tuple required

    def __init__(self, element):
        self.fields = Plan(element.fields)
        self.cls = element.cls
        self.is_link = element.is_link
        self.required = tuple(f.attr for f in element.fields if f.required)
        self.possible = all(f.walked and f.kind in KIND_CODES for f in element.fields if f.required)


cdef class ResourcePlans:
    """The resources of a virtualInfrastructure by name, and the plan of each (None: never built)."""

    cdef int n
    cdef const char* names[16]
    cdef list plans, keep
    cdef readonly object resources

    def __init__(self, resources):
        self.resources = resources
        self.n = 0
        self.plans, self.keep = [], []
        for name, element in resources[:16]:
            encoded = name.encode()
            self.keep.append(encoded)
            self.names[self.n] = encoded
            self.plans.append(ElementPlan(element) if element is not None else None)
            self.n += 1

    cdef inline int index(self, tree.xmlNode* c):
        """Which resource `c` is (it must be in the VXDL namespace), -1 for none."""
        cdef int i
        for i in range(self.n):
            if strcmp(self.names[i], <const char*>c.name) == 0:
                return i
        return -1


cdef inline object kept_text(str text, int mode, dict shared, dict components):
    """A text as the model keeps it: its own, the one equal text of the read (`shared`), or for a link's end
    the id string of the component it names."""
    if mode == T_SHARED:
        return shared.setdefault(text, text)
    if mode == T_END and components is not None:
        comp = components.get(text)
        if comp is not None:
            return comp.id
    return text


cdef int fill(tree.xmlNode* el, Plan plan, dict values, dict shared, dict components) except -1:
    """Read the children of `el` into `values`: 1 when x:ports was read, REFUSED for a child the plan does
    not know, else 0; Unusual for a value that does not read plainly."""
    cdef tree.xmlNode* c = next_element(el.children)
    cdef tree.xmlNode* p
    cdef int i, ns, kind, inner, declared = 0
    cdef list ports
    cdef str text
    while c is not NULL:
        ns = space(c)
        if ns < 0:
            return REFUSED
        i = plan.find(c, ns == 1)
        if i < 0:
            return REFUSED
        kind = plan.kinds[i]
        if kind == K_QUANTITY:
            values[plan.attrs[i]] = quantity(c, plan.units[i], shared)
        elif kind == K_TEXT:
            text = stripped(c)
            values[plan.attrs[i]] = text if plan.modes[i] == T_OWN else kept_text(text, plan.modes[i], shared,
                                                                                 components)
        elif kind == K_GROUP:
            inner = fill(c, <Plan>plan.inner[i], values, shared, components)
            if inner == REFUSED:
                return REFUSED
            declared |= inner
        else:  # K_PORTS
            ports = []
            p = next_element(c.children)
            while p is not NULL:
                if space(p) != 1 or strcmp(<const char*>p.name, b"port") != 0:
                    return REFUSED
                text = stripped(p)
                ports.append(shared.setdefault(text, text))
                p = next_element(p.next)
            values[plan.attrs[i]] = ports
            declared = 1
        c = next_element(c.next)
    return declared


cdef object build(tree.xmlNode* element, ElementPlan plan, _Element parent, dict shared, set declared_ports,
                  dict components):
    """The object of one element, or None when it is left to the builder."""
    cdef dict values = {}
    cdef int state
    try:
        state = fill(element, plan.fields, values, shared, components)
    except (Unusual, UnicodeDecodeError):
        return None
    if state == REFUSED:
        return None
    for attr in plan.required:
        if attr not in values:
            return None
    values["at_line"] = line_of(element, parent)
    built = plan.cls(**values)
    if state == 1:
        declared_ports.add(built.id)
    return built


class CompiledWalk:
    """The walk in C (see Walker in backend/vxdl/walk.py)."""

    compiled = True

    def __init__(self):
        self._plans = {}

    def _plans_for(self, resources):
        cached = self._plans.get(id(resources))
        if cached is None or cached.resources is not resources:
            cached = self._plans[id(resources)] = ResourcePlans(resources)
        return cached

    def header_children(self, _Element parent, resources):
        """See Walker."""
        cdef ResourcePlans plans = self._plans_for(resources)
        cdef tree.xmlNode* c = next_element(parent._c_node.children)
        cdef list found = []
        while c is not NULL:
            if not (space(c) == 0 and plans.index(c) >= 0):
                found.append(elementFactory(parent._doc, c))
            c = next_element(c.next)
        return found

    def resources_into(self, _Element parent, resources, dict shared, dict components, dict links,
                       set declared_ports):
        """See Walker."""
        cdef ResourcePlans plans = self._plans_for(resources)
        cdef ElementPlan plan
        cdef tree.xmlNode* c = next_element(parent._c_node.children)
        cdef list rest = []
        cdef bint direct = True
        cdef int i
        while c is not NULL:
            if space(c) == 0:
                i = plans.index(c)
                if i >= 0:
                    plan = plans.plans[i]
                    built = None
                    if plan is not None and plan.possible:
                        built = build(c, plan, parent, shared, declared_ports, components)
                    if direct and built is not None:
                        if plan.is_link:
                            if built.id not in links and built.id not in components:
                                links[built.id] = built
                                c = next_element(c.next)
                                continue
                        elif built.id not in components:
                            components[built.id] = built
                            c = next_element(c.next)
                            continue
                    direct = False
                    rest.append((built, elementFactory(parent._doc, c)))
            c = next_element(c.next)
        return rest

    def take(self, _Element parent, resources, dict shared, dict components, dict links, set declared_ports,
             bint ended):
        """See Walker."""
        cdef ResourcePlans plans = self._plans_for(resources)
        cdef ElementPlan plan
        cdef tree.xmlNode* c = parent._c_node.children
        cdef list rest = []
        cdef int i, index = 0, start = -1, count = 0
        cdef bint running = True
        while c is not NULL:
            if c.next is NULL and not ended:
                break  # the parser may still be filling the last child
            i = plans.index(c) if c.type == tree.XML_ELEMENT_NODE and space(c) == 0 else -1
            if i >= 0:
                plan = plans.plans[i]
                built = None
                if plan is not None and plan.possible:
                    built = build(c, plan, parent, shared, declared_ports, components)
                if running and built is not None and built.id not in components \
                        and not (plan.is_link and built.id in links):
                    (links if plan.is_link else components)[built.id] = built
                    if start < 0:
                        start = index
                    count = index - start + 1
                else:
                    running = False
                    rest.append((built, elementFactory(parent._doc, c)))
            elif start >= 0 and c.type == tree.XML_ELEMENT_NODE:
                running = False  # a kept element ends the run of freed ones
            if _isElement(c):
                index += 1
            c = c.next
        return (max(start, 0), count, rest)

    def build_one(self, _Element el, resources, dict shared, set declared_ports):
        """See Walker."""
        cdef ResourcePlans plans = self._plans_for(resources)
        cdef ElementPlan plan
        cdef tree.xmlNode* c = el._c_node
        cdef int i
        if space(c) != 0:
            return None
        i = plans.index(c)
        if i < 0:
            return None
        plan = plans.plans[i]
        if plan is None or not plan.possible:
            return None
        return build(c, plan, el, shared, declared_ports, None)

    def positions(self, _Element layout):
        """See Walker."""
        return positions(layout)

    def quantity(self, _Element el, kind, dict shared):
        """See Walker."""
        try:
            return quantity(el._c_node, kind, shared)
        except (Unusual, UnicodeDecodeError):
            return None


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


cdef object positions(_Element layout):
    """The x:layout's positions by ref, or None when one is not plainly numeric (the builder then reports it)."""
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

