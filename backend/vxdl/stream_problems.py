"""Reading a document with problems resource by resource: what the whole reading finds (reader.read_whole: the
lenient XSD's problems, the counting builder's, the model's rules'), in the same words, places and order, without
ever holding the document's tree (about 7 times the file).

The bytes are fed piece by piece to a pull parser of the safe options. The resources and links of the
virtualInfrastructure that have ended are moved, a batch at a time, into a small document of their own (an
empty root and virtualInfrastructure): the lenient XSD checks that document (its content models are choices of any
order, so an element's problems depend only on the element and its type) and the counting builder builds each
resource into the model, as the whole reading does; then the batch is freed. Every problem found at an element is
given, before its element is freed, the element's rank among the elements of its tag on its line (what its column
is found from); the other children of the virtualInfrastructure (its id, lease, layout...) stay in the tree,
checked and read at the end.

What libxml2 says of the virtualInfrastructure itself is said as it would be: each piece of text among its children
is a problem at it, and after an element it does not expect there, nothing more of it is checked (libxml2 skips the
rest of its content), so the resources after that element are built without being checked.

Elements of the root before the virtualInfrastructure, and a second virtualInfrastructure, stay in the tree and are
checked with the rest at the end (a second one is held whole: it is never built, only checked). Anything this reading
does not take answers None and the whole reading reads the document (a problem the XSD gives no element for...); a
document type is refused (Pieces.feed_all), malformed XML refused before (stream.py, without its tree)."""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import cache
from types import SimpleNamespace

from lxml import etree

import backend.vxdl.fields as F
from backend.heap import release_freed_memory
from backend.model import Infrastructure, Problem, Substrate
from backend.model.rules import MAX_EXPANDED_COMPONENTS, MAX_EXPANDED_LINKS
from backend.vxdl.builder import ModelBuilder, peek_id
from backend.vxdl.columns import ElementPaths, owner_resource, place_columns
from backend.vxdl.duplicates import DuplicatePlaces
from backend.vxdl.errors import VxdlFileError
from backend.vxdl.fields import RESOURCE_TAGS, V
from backend.vxdl.kept import BUILDER, RULES, SCHEMA, KeptProblems, on_first_lines
from backend.vxdl.overlap import gc_paused
from backend.vxdl.schema import lenient_schema
from backend.vxdl.secure import has_doctype, pull_parser, told_encoding
from backend.vxdl.stream import DESCRIPTION, INFRASTRUCTURE, ROLE, Pieces, RoleDeclared, StreamedElements, WholeTree

Found = tuple[Infrastructure | Substrate, list[Problem], Counter, dict[str, str] | None]  # ReadResult's fields

VALUE_CODES = {"not-a-number", "bad-date", "bad-duration"}  # a builder's value problem on a line the XSD has one
# for is not said twice
CHECKED_AT_ONCE = 100  # children checked by the lenient XSD and placed at a time (a 64 KiB piece of 100,000 problems
# in 1.2 MB held 5,500 of them in lxml's log, 4 MB, then as problems until placed)
_LINK = V + "vLink"
_RESOURCES = {V + tag for tag in RESOURCE_TAGS} - {_LINK}
_XML_BLANK = " \t\r\n"  # what XML calls whitespace (str.strip() would take a no-break space for it too)


def _is_text(text: str | None) -> bool:
    """Whether a text node holds more than XML whitespace (what the XSD refuses in element-only content)."""
    return bool(text) and bool(text.strip(_XML_BLANK))


@cache
def _text_message() -> str:
    """libxml2's own words for text among the virtualInfrastructure's children."""
    root = etree.Element(DESCRIPTION)
    etree.SubElement(root, INFRASTRUCTURE).text = "x"
    schema = lenient_schema()
    schema.validate(root)
    return next(clean(err.message) for err in schema.error_log if "Character content" in err.message)


@cache
def _expected(tag: str, before: bool = False) -> bool:
    """Whether the lenient XSD expects an element of `tag` among the virtualInfrastructure's children (its content
    is a choice of any order, so it depends on the tag only), or (`before`) in the root before it: asked of libxml2
    once per tag."""
    root = etree.Element(DESCRIPTION)
    if before:
        child = etree.SubElement(root, tag)
        etree.SubElement(root, INFRASTRUCTURE)
    else:
        child = etree.SubElement(etree.SubElement(root, INFRASTRUCTURE), tag)
    schema = lenient_schema()
    schema.validate(root)
    paths = ElementPaths(root)
    return not any("not expected" in err.message and paths.find(err.path) is child for err in schema.error_log)


def clean(message: str) -> str:
    """An XSD message without namespace braces, e.g. Element 'vNode': ..."""
    message = re.sub(r"\{[^}]*\}", "", message)
    attribute = re.match(r"Element '([^']*)', attribute '([^']*)': ", message)
    if attribute:  # not `element <description', attribute 'a0>: ...`
        return f"element <{attribute[1]}>, attribute '{attribute[2]}': {message[attribute.end():]}".rstrip(".")
    return message.replace("Element '", "element <").replace("': ", ">: ", 1).rstrip(".")


def schema_problem(err, el, filename: str, code: str, found_at: dict) -> Problem:
    """The problem of one XSD error at its element (its line, its resource's id; the element in `found_at`)."""
    owner = owner_resource(el)
    found = Problem("error", code, peek_id(owner) if owner is not None else None, clean(err.message), filename,
                    el.sourceline or err.line, 0, etree.QName(el).localname)
    found_at[id(found)] = el
    return found


def _last_line(el) -> int:
    """The line an element ends on, near enough: its last descendant's (its closing tag may be further down)."""
    while len(el):
        el = el[-1]
    return el.sourceline or 0


class LineRanks:
    """Each element's rank among the elements of its local name on its line, counted in document order over the
    subtrees walked (lines only grow in document order, so only the current line's counts are kept)."""

    def __init__(self, line: int | None = None, counts: dict[str, int] | None = None):
        self.line, self.counts = line, counts if counts is not None else {}

    def snapshot(self) -> tuple[int | None, dict[str, int]]:
        """The state before the next subtree (to walk it again later)."""
        return self.line, dict(self.counts)

    def walk(self, top, wanted: dict[int, int] | None = None) -> None:
        """Count the elements of `top` (itself first); `wanted`: id(element) -> filled with its rank."""
        self.count(top.iter(), wanted)

    def count(self, elements, wanted: dict[int, int] | None = None) -> None:
        """Count `elements`, in document order (walk)."""
        counts = self.counts
        for el in elements:
            tag = el.tag
            if not isinstance(tag, str):
                continue
            line = el.sourceline
            if line != self.line:
                self.line, counts = line, {}
                self.counts = counts
            name = tag.rpartition("}")[2]
            rank = counts.get(name, 0)
            counts[name] = rank + 1
            if wanted is not None and id(el) in wanted:
                wanted[id(el)] = rank


def read_with_problems(data: bytes, filename: str, role: str | None, over_limits: bool = False,
                       limit: int | None = None) -> Found | None:
    """The model, every problem of a document (the first `limit`: see kept.py), the count of each severity and the
    worst of each element id, as
    reader.read_whole gives them (placed and sorted), read resource by resource; None when the document has to be
    read whole. A request of more components or links than the limits gives, as the whole reading, an empty VXI and
    that one problem: once over them (from the start when `over_limits`, the first reading having found it) its
    resources are only counted."""
    schema = lenient_schema()  # here: a missing or broken schema raises SchemaUnavailable, a fault of the install
    release_freed_memory()
    try:
        with gc_paused():
            return _ProblemStream(data, filename, role, schema, over_limits, limit).run()
    except WholeTree:
        return None
    except RoleDeclared:
        return read_with_problems(data, filename, "substrate", limit=limit)
    except VxdlFileError:  # a document type: refused
        raise
    except Exception:  # whatever it is, the whole-tree reading says it in words
        logging.getLogger(__name__).debug("reading %s with problems resource by resource failed", filename,
                                          exc_info=True)
        return None


class _ProblemStream(Pieces):
    """One read: the parser, the counting builder, the model, the XSD's problems and the elements' ranks."""

    def __init__(self, data: bytes, filename: str, role: str | None, schema: etree.XMLSchema, over: bool = False,
                 limit: int | None = None):
        self.data, self.filename, self.role, self.schema = data, filename, role, schema
        self.over = over  # over the limits: the resources only counted
        self.builder = ModelBuilder(filename, data, None)
        self.parser = pull_parser(INFRASTRUCTURE, encoding=told_encoding(data))
        self.vi = None
        self.before: list = []  # the root's elements before the virtualInfrastructure (kept, checked at the end)
        self.model = None
        self.spec = None
        self.ranks = LineRanks()
        self.nth: dict[int, int] = {}  # id(problem) -> its element's rank on its line
        self.schema_problems: list[Problem] = []
        self.headers: list[tuple[object, tuple]] = []  # the other children kept, each with the ranks before it
        self.components = self.links = 0
        self.texts = 0  # the pieces of text among the virtualInfrastructure's children (each a problem at it)
        self.skipping = False  # after an element it does not expect, libxml2 checks nothing more of it
        self.first = True
        self.kept = KeptProblems(limit)  # each batch's problems handed over once placed (settle)
        self.found = [0, 0]  # the XSD's and the builder's problems handed over so far
        self.bad_lines: set[int] = set()  # lines with an XSD problem (a builder's value problem there is not said)
        self.waiting: list[tuple[int, Problem]] = []  # the builder's value problems a later XSD problem may hide
        self.unplaced: list[tuple[int, int, Problem]] = []  # problems placed at the end (a few duplicates)
        self.duplicates = DuplicatePlaces()
        self.header_lines: list[tuple[int, int]] = []  # the lines whose XSD problems come last (kept children, the
        # root's and the virtualInfrastructure's own)

    def run(self) -> Found:
        """Feed the bytes, check and build the resources that have ended after each piece, then the rest."""
        try:
            root = self.feed_all()
        except (etree.XMLSyntaxError, ValueError):
            raise WholeTree from None
        if self.vi is None:
            raise WholeTree
        self.take(True)
        return self.finish(root)

    def begin(self, vi) -> None:
        """The virtualInfrastructure: the first element of a VXDL root with no document type."""
        root = vi.getparent()
        if root is None or root.tag != DESCRIPTION or root.getparent() is not None \
                or has_doctype(vi.getroottree()):
            raise WholeTree
        self.vi = vi
        self.before = [el for el in vi.itersiblings(preceding=True) if isinstance(el.tag, str)][::-1]
        self.ranks.count((root, *(el for top in self.before for el in top.iter()), vi))  # before its children
        self.header_lines += [(root.sourceline or 0, root.sourceline or 0), (vi.sourceline or 0, vi.sourceline or 0)]
        self.header_lines += [(el.sourceline or 0, _last_line(el)) for el in self.before]
        for el in self.before:
            self.duplicates.note(el)
        if not all(_expected(el.tag, before=True) for el in self.before):
            self.skipping = True  # libxml2 checks nothing more of the root, the virtualInfrastructure included

    def choose(self) -> None:
        """At the first resources: what the document is read as (Pieces.read_as)."""
        self.spec, field = self.read_as()
        self.model = self.spec.make()
        self.held = field.choice_map

    def take(self, ended: bool) -> None:
        """The children of the virtualInfrastructure that have ended since the last time, CHECKED_AT_ONCE at a time
        (their problems are held until they are placed): see take_some."""
        vi = self.vi
        end = len(vi) if ended else len(vi) - 1
        batch = vi[len(self.headers):end]
        for start in range(0, len(batch), CHECKED_AT_ONCE):
            if self.over:
                self.count_only(batch[start:])
                return
            self.take_some(batch[start:start + CHECKED_AT_ONCE])

    def take_some(self, batch: list) -> None:
        """Ended children of the virtualInfrastructure: the resources checked, built and freed, the others kept;
        the ranks of the elements problems were found at, and those problems placed (settle)."""
        vi = self.vi
        if self.first:  # the text before its first child
            self.first = False
            self.texts += not self.skipping and _is_text(vi.text)
            vi.text = None
        resources = []  # (element, whether the XSD checks it)
        for child in batch:
            tag = child.tag
            if not isinstance(tag, str):
                pass
            elif tag in _RESOURCES or tag == _LINK:
                if self.model is None:
                    self.choose()
                resources.append((child, not self.skipping))
            elif not self.skipping and not _expected(tag):
                self.skipping = True  # it stays, and the XSD says it at the end; nothing after it is checked
            self.texts += not self.skipping and _is_text(child.tail)
            child.tail = None  # counted: no later check must see it again
            if not isinstance(tag, str):
                vi.remove(child)
        if resources:
            self.check_and_build(resources)
        if self.over:  # went over the limits in this batch
            self.headers += [(child, None) for child in batch
                             if isinstance(child.tag, str) and child.tag not in _RESOURCES and child.tag != _LINK]
            return
        found_at = self.builder.found_at
        wanted = {id(el): 0 for el in found_at.values()}
        for child in batch:
            if not isinstance(child.tag, str):
                continue
            if child.tag in _RESOURCES or child.tag == _LINK:
                if self.duplicates.resource(child, found_at):  # its duplicate's problem placed at it
                    wanted[id(child)] = 0
                self.ranks.walk(child, wanted)
            else:
                self.duplicates.note(child)
                self.headers.append((child, self.ranks.snapshot()))
                self.ranks.walk(child)
        for key, el in found_at.items():
            self.nth[key] = wanted[id(el)]
        found_at.clear()
        elements = [child for child in batch if isinstance(child.tag, str)]
        self.header_lines += [(child.sourceline or 0, _last_line(child)) for child in elements
                              if child.tag not in _RESOURCES and child.tag != _LINK]
        self.settle(_last_line(elements[-1]) if elements else 0)

    def share_id(self, problem: Problem) -> None:
        """The problem's element id as the model's own string, once its element is built (the worst severity kept
        per element id held a copy of every id with a problem: 1.1 MB for 20,000 nodes)."""
        ident, model = problem.element_id, self.model
        if ident is not None and model is not None:
            made = model.components.get(ident) or model.links.get(ident)
            if made is not None:
                problem.element_id = made.id

    def settle(self, done_before: int | None) -> None:
        """The problems found since the last time placed at their columns and handed to the kept ones; a builder's
        value problem waits until every XSD problem of its line is known (`done_before`: no later one can fall on a
        line before it but on a kept child's; None: all are known)."""
        columns, nth, kept = self.builder.columns, self.nth, self.kept
        for source, found in ((SCHEMA, self.schema_problems), (BUILDER, self.builder.problems)):
            for index, p in enumerate(found, self.found[source]):
                self.share_id(p)
                rank = nth.pop(id(p), None)
                if rank is not None and not p.column and p.line:
                    p.column = columns.column(p.line, p.element or "", rank)
                if source == SCHEMA and p.line:
                    self.bad_lines.add(p.line)
                if source == BUILDER and p.code in VALUE_CODES and p.line:
                    self.waiting.append((index, p))
                elif not p.column and p.line:
                    self.unplaced.append((source, index, p))
                else:
                    kept.add(p, source, index)
            self.found[source] += len(found)
            found.clear()
        still = []
        for index, p in self.waiting:
            if done_before is not None and (p.line >= done_before
                                            or any(a <= p.line <= b for a, b in self.header_lines)):
                still.append((index, p))
            elif p.line not in self.bad_lines:
                if p.column:
                    kept.add(p, BUILDER, index)
                else:
                    self.unplaced.append((BUILDER, index, p))
        self.waiting = still

    def count_only(self, batch: list) -> None:
        """Over the limits: the ended resources counted and freed, the other children kept."""
        vi = self.vi
        for child in batch:
            if child.tag == _LINK:
                self.links += 1
            elif child.tag in _RESOURCES:
                self.components += 1
            elif isinstance(child.tag, str):
                self.headers.append((child, None))
                continue
            vi.remove(child)
        if self.model is None and self.components + self.links:
            self.choose()

    def too_big(self) -> Found:
        """The whole reading's answer to a request over the limits (reader._too_big)."""
        for count, limit, code, what in ((self.components, MAX_EXPANDED_COMPONENTS, "too-many-components",
                                          "components"), (self.links, MAX_EXPANDED_LINKS, "too-many-links", "links")):
            if count > limit:
                ident = (self.vi.findtext(V + "id") or "").strip()
                problem = Problem("error", code, ident, f"the VXI has {count:,} {what}, over the limit of {limit:,} "
                                                        "(not read further)", self.filename, self.vi.sourceline, 1,
                                  "virtualInfrastructure")
                return Infrastructure(id=ident), [problem], Counter(error=1), None
        raise WholeTree

    def check_and_build(self, resources: list[tuple[object, bool]]) -> None:
        """A batch of ended resources moved into a document of their own, checked by the lenient XSD (those before
        an unexpected element only) and built, CHECKED_AT_ONCE at a time (the XSD's log holds every problem of what
        it checks)."""
        for start in range(0, len(resources), CHECKED_AT_ONCE):
            some = resources[start:start + CHECKED_AT_ONCE]
            root = etree.Element(DESCRIPTION, nsmap=self.vi.getparent().nsmap)
            vi = etree.SubElement(root, INFRASTRUCTURE)
            for el, checked in some:
                if checked:
                    vi.append(el)
                else:
                    self.vi.remove(el)
            if len(vi) and not self.schema.validate(root):
                paths = ElementPaths(root)
                for err in self.schema.error_log:
                    el = paths.find(err.path)
                    if el is None or el is root or el is vi:
                        raise WholeTree
                    self.schema_problems.append(schema_problem(err, el, self.filename, "schema",
                                                               self.builder.found_at))
                self.schema._clear_error_log()
            for el, _checked in some:
                if el.tag == _LINK:
                    self.links += 1
                else:
                    self.components += 1
                problems = self.builder.problems
                count = len(problems)
                self.builder.resource(self.model, self.held, el)
                if len(problems) > count and problems[-1].code == "duplicate-id":
                    self.duplicates.built(el, problems[-1], self.model, self.held[el.tag[len(V):]].cls)
            vi.clear()
        if self.spec is F.INFRASTRUCTURE and (self.components > MAX_EXPANDED_COMPONENTS
                                              or self.links > MAX_EXPANDED_LINKS):
            self.over = True  # refused with its counts (the model let go): the rest only counted
            self.model, self.builder = self.spec.make(), None

    def finish(self, root) -> Found:
        """The rest checked and read, the model's rules, every problem placed and sorted (as reader._finish)."""
        vi = self.vi
        if root is None or root.tag != DESCRIPTION or has_doctype(root.getroottree()):
            raise WholeTree
        if self.model is not None and self.role is None and self.spec is not F.SUBSTRATE:
            node = vi.find(ROLE)
            if node is not None and (node.text or "").strip() == "substrate":
                raise RoleDeclared
        if self.over:
            if self.spec is not F.INFRASTRUCTURE:
                raise WholeTree
            return self.too_big()
        builder, found_at = self.builder, self.builder.found_at
        if not self.schema.validate(root):
            paths = ElementPaths(root)
            for err in self.schema.error_log:
                el = paths.find(err.path)
                if el is None:
                    raise WholeTree  # a problem at no element: the whole reading places it by its line
                self.schema_problems.append(schema_problem(err, el, self.filename, "schema", found_at))
        where = SimpleNamespace(message=_text_message(), line=vi.sourceline)
        self.schema_problems += [schema_problem(where, vi, self.filename, "schema", found_at)
                                 for _ in range(self.texts)]  # after its attributes' (libxml2's order)
        model = builder.read(root, self.role, into=self.model)
        if model is None:
            raise WholeTree
        self.header_ranks(root)
        self.settle(None)
        rules = []
        for p in model.validate():
            p.file = self.filename
            if p.line is None and p.element == "virtualInfrastructure":  # the VXI's own (its lease, its size)
                p.line = root[0].sourceline if len(root) else root.sourceline
            rules.append(p)
        first = on_first_lines(rules, self.kept.limit)  # the others cannot be kept: counted, never placed
        placing = {id(p) for p in first}
        unplaced = sorted(self.unplaced, key=lambda entry: entry[:2])  # in the whole reading's order
        place_columns([p for _s, _i, p in unplaced] + first, builder.columns, StreamedElements(self.data), {}, model,
                      self.duplicates.seeds)
        for source, index, p in unplaced:
            self.kept.add(p, source, index)
        for index, p in enumerate(rules):
            if id(p) in placing:
                self.kept.add(p, RULES, index)
            else:
                self.kept.count((p,))
        return model, self.kept.problems(), self.kept.counts, self.kept.worst

    def header_ranks(self, root) -> None:
        """The ranks of the elements outside the resources that problems were found at (the root, the
        virtualInfrastructure, its other children, the root's elements after it), each of the kept children walked
        again from its own start, the root's others from the end of the virtualInfrastructure."""
        vi, found_at = self.vi, self.builder.found_at
        by_child: dict[int, list[int]] = {}
        after: dict[int, int] = {}  # id(element after the virtualInfrastructure) -> its rank
        before: dict[int, int] = {}  # id(element before it) -> its rank
        starts = {id(top) for top in self.before}
        for key, el in found_at.items():
            if el is root or el is vi:
                self.nth[key] = 0  # nothing of its name comes before it
                continue
            child = el
            while child is not None and child.getparent() is not vi and id(child) not in starts:
                child = child.getparent()
            if child is None:
                after[id(el)] = 0
            elif id(child) in starts:
                before[id(el)] = 0
            else:
                by_child.setdefault(id(child), []).append(key)
        if before:  # counted again from the root's start
            LineRanks().count((root, *(el for top in self.before for el in top.iter())), before)
        if after:
            self.ranks.count((el for child in vi.itersiblings() for el in child.iter()), after)
        for key, el in found_at.items():
            rank = after.get(id(el), before.get(id(el)))
            if rank is not None:
                self.nth[key] = rank
        for child, (line, counts) in self.headers:
            keys = by_child.get(id(child))
            if keys:
                wanted = {id(found_at[key]): 0 for key in keys}
                LineRanks(line, dict(counts)).walk(child, wanted)
                for key in keys:
                    self.nth[key] = wanted[id(found_at[key])]
        found_at.clear()
