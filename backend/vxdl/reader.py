"""Reading VXDL: safe parsing, the strict and lenient XSD checks, the model built by the builder (walk first,
on two cores), semantic rules, and every problem placed by file, line, column and element id."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from backend.model import Infrastructure, Problem, Substrate
from backend.model.rules import MAX_EXPANDED_COMPONENTS, MAX_EXPANDED_LINKS
from backend.vxdl.builder import ModelBuilder, peek_id
from backend.vxdl.columns import ElementPaths, SourceColumns, place_columns
from backend.vxdl.errors import VxdlFileError
from backend.vxdl.fields import RESOURCE_TAGS, V, X
from backend.vxdl.kept import Kept, first_problems, note_worst, on_first_lines
from backend.vxdl.overlap import check_strict_bytes, gc_paused
from backend.vxdl.schema import VXDL_NS, lenient_schema, strict_schema
from backend.vxdl.secure import FileSource, parse_bytes, read_limited, refuse_malformed, refuse_oversize
from backend.vxdl.stream import StreamedElements, read_streaming_checked
from backend.vxdl.stream_problems import VALUE_CODES, clean, read_with_problems, schema_problem
from backend.vxdl.walk import active_walker

STREAM_FROM = 0  # bytes: a document of this size or more is read resource by resource, i.e. every one (as quick as
# whole at any size, bench/vxdl_bench.py: the strict XSD check runs on the other core either way); read whole, a
# document of 0.9 MiB took 10 to 24 times its size


@dataclass
class ReadResult:
    """A model read from a file, and the problems found on the way (XSD, cardinality, semantics): every one, or
    the first `max_problems` the reading was given, with `counts` (by severity) counting every one and `worst` the
    worst severity of each element id with a problem (kept.py)."""

    model: Infrastructure | Substrate | None
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] | None = None  # None: `problems` holds every one
    worst: dict[str, str] | None = None  # element id: "error" or "warning"; None: `problems` holds every one

    @property
    def errors(self) -> list[Problem]:
        """Problems of severity error (of those kept)."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def problem_count(self) -> int:
        """How many problems there are in all, kept or not."""
        return len(self.problems) if self.counts is None else sum(self.counts.values())

    @property
    def error_count(self) -> int:
        """How many problems of severity error there are in all."""
        return len(self.errors) if self.counts is None else self.counts["error"]

    @property
    def not_kept(self) -> int:
        """How many problems there are beyond those kept."""
        return self.problem_count - len(self.problems)

    def kept(self) -> Kept:
        """The problems kept, the count of every one and the worst severity of every element with one."""
        counts = self.counts if self.counts is not None else Counter(p.severity for p in self.problems)
        return Kept(self.problems, counts, self.worst if self.worst is not None else note_worst({}, self.problems))


def _first(model, problems: list[Problem], limit: int | None) -> ReadResult:
    """The result with the first `limit` problems (all: None or 0) and the count of every one."""
    kept = first_problems(problems, limit)
    return ReadResult(model, kept.problems, kept.counts, kept.worst)


def read_file(path: str | Path, role: str | None = None, max_problems: int | None = None) -> ReadResult:
    """Read a VXDL file (role 'substrate' reads its vNodes as hosts); see read_bytes. The file is read a piece at
    a time, by the reader and by the strict check's worker (its problems' columns by the lines searched), its bytes
    never held whole unless it is read whole."""
    source = FileSource(path)
    try:
        return read_bytes(source if len(source) >= STREAM_FROM else source.whole(), str(path), role,
                          max_problems=max_problems)
    finally:
        source.close()


def read_bytes(data: bytes | FileSource, filename: str = "<memory>", role: str | None = None, *,
               stream: bool | None = None, max_problems: int | None = None) -> ReadResult:
    """Read VXDL bytes; VxdlFileError when they are not VXDL at all, else a model and its problems (the first
    `max_problems` of them, all when None or 0, with the count of every one: kept.py).

    A document of STREAM_FROM bytes or more (or any when `stream` is True) that passes the strict XSD and gives
    no problem but the model's rules' is read resource by resource, never holding its whole tree (stream.py); one
    with other problems is read again resource by resource (stream_problems.py), with the whole reading's problems.
    Any other (smaller than STREAM_FROM with `stream` not True, or one stream_problems.py does not take) is read whole:
    the strict XSD check runs in a worker thread while the model is built as if the document passed it (the walk
    builds most of it); that model is kept only if it did. Otherwise the lenient XSD and the counting builder
    read it again, in any order."""
    refuse_oversize(data, filename)
    if stream is None:
        stream = len(data) >= STREAM_FROM
    if stream:
        over_limits: list = []
        found = read_streaming_checked(data, filename, role, over_limits=over_limits)
        source = data if isinstance(data, FileSource) else None
        if found is not None:
            model, problems = found
            if not problems:
                return ReadResult(model, problems, Counter())
            counts, worst = Counter(p.severity for p in problems), note_worst({}, problems)
            problems = on_first_lines(problems, max_problems)  # the others not placed
            place_columns(problems, SourceColumns(data), StreamedElements(data), {}, model)  # without the tree
            if source is None or source.same_read():  # the model's rules' problems, placed at their columns (a
                problems.sort(key=lambda p: (p.line or 0, p.column or 0))  # file read a piece at a time again)
                return ReadResult(model, problems[:max_problems] if max_problems else problems, counts, worst)
            data = source.whole()  # the file changed under the readings: read again from one copy of its bytes
        readings = len(source.readings) if source is not None and data is source else 0
        found = read_with_problems(data, filename, role, bool(over_limits), max_problems)  # any other problem,
        if found is not None and source is not None and data is source and not source.same_since(readings):
            data = source.whole()  # changed under the readings (the columns' or the problems'): from one copy
            found = read_with_problems(data, filename, role, bool(over_limits), max_problems)
        if found is not None:  # found resource by resource too (over the limits: the resources only counted), from
            return ReadResult(*found)  # the file a piece at a time, its bytes never held whole
        refuse_malformed(data, filename)  # said without the tree (one not VXDL, over the limits...), then read whole
    return read_whole(data.whole() if isinstance(data, FileSource) else data, filename, role,
                      by_resource=not stream, max_problems=max_problems)


def read_whole(data: bytes, filename: str = "<memory>", role: str | None = None, *,
               by_resource: bool = False, max_problems: int | None = None) -> ReadResult:
    """Read VXDL bytes from their whole parsed tree (what read_bytes does for a document with problems).
    `by_resource`: a document that does not pass the strict XSD is read again resource by resource with its
    problems (stream_problems.py; whole only when that reading cannot take it): the lenient XSD checking the
    whole tree logged every problem (60,000 took 45 MB of lxml's log and 8 s, each naming its element by a path
    that libxml2 finds by counting the element's siblings)."""
    tree = parse_bytes(data, filename)
    root = tree.getroot()
    if root.tag != f"{{{VXDL_NS}}}description":
        q = etree.QName(root)
        where = f" in namespace {q.namespace}" if q.namespace else " (no namespace)"
        raise VxdlFileError(filename, f"not VXDL: the root is <{q.localname}>{where}, expected <description> "
                                      f"in namespace {VXDL_NS}", root.sourceline)
    too_big = _too_big(root, filename, role)
    if too_big is not None:
        return too_big
    strict = check_strict_bytes(data)  # parsed again into no tree (no document type now), stopping at a problem
    builder = ModelBuilder(filename, data, active_walker())
    with gc_paused():
        try:
            model = builder.read(root, role)
        except Exception:
            model = None
        passed = strict.result() and model is not None
    if not passed and by_resource:
        del tree, root, model, builder  # freed before reading again
        found = read_with_problems(data, filename, role, limit=max_problems)
        if found is not None:
            return ReadResult(*found)
        tree = parse_bytes(data, filename)
        root = tree.getroot()
    with gc_paused():
        if passed:
            problems: list[Problem] = []
        else:
            builder = ModelBuilder(filename, data, None)
            problems = _schema_problems(tree, filename, lenient_schema(), "schema", builder.found_at)
            try:
                model = builder.read(root, role)
            except Exception as exc:  # a builder bug must still give a message, not a traceback
                problems.append(Problem("error", "unreadable", None, f"could not build the model: {exc}",
                                        filename, 1, 1))
                return _first(None, problems, max_problems)
        return _finish(builder, model, problems, filename, root, max_problems)


def _too_big(root, filename: str, role: str | None) -> ReadResult | None:
    """A VXI with more resource or link elements than the expanded limits allow is refused before its model
    is built (the model of 400,000 nodes took 612 MB): an empty VXI of its id and one problem."""
    vi = root.find(V + "virtualInfrastructure")
    if vi is None or role == "substrate" or (vi.findtext(X + "role") or "").strip() == "substrate":
        return None
    links = components = 0
    for child in vi:
        if child.tag == V + "vLink":
            links += 1
        elif isinstance(child.tag, str) and child.tag[len(V):] in RESOURCE_TAGS:
            components += 1
    for count, limit, code, what in ((components, MAX_EXPANDED_COMPONENTS, "too-many-components", "components"),
                                     (links, MAX_EXPANDED_LINKS, "too-many-links", "links")):
        if count > limit:
            ident = (vi.findtext(V + "id") or "").strip()
            problem = Problem("error", code, ident, f"the VXI has {count:,} {what}, over the limit of {limit:,} "
                                                    "(not read further)", filename, vi.sourceline, 1,
                              "virtualInfrastructure")
            return ReadResult(Infrastructure(id=ident), [problem], Counter(error=1))
    return None


def strict_problems(data: bytes, filename: str = "<memory>") -> list[Problem]:
    """Problems of a document against VXDL 2.0's strict order (what the writer must always pass)."""
    tree, found_at = parse_bytes(data, filename), {}
    problems = _schema_problems(tree, filename, strict_schema(), "strict-order", found_at)
    place_columns(problems, SourceColumns(data), tree.getroot(), found_at, None)
    return problems


def fill_columns(problems: list[Problem], path: str | Path) -> None:
    """Give problems found after reading (e.g. anchors against a substrate) the column of their element."""
    columns = SourceColumns(read_limited(path))
    for p in problems:
        if not p.column and p.line:
            p.column = columns.column(p.line, p.element or "")


def _schema_problems(tree, filename: str, schema: etree.XMLSchema, code: str, found_at: dict) -> list[Problem]:
    """The XSD's problems, each at its own element (libxml2's path names it): its line, its resource's id, and
    in `found_at` the element, whose column place_columns finds; by line only when the path names none."""
    if schema.validate(tree):
        return []
    paths = ElementPaths(tree.getroot())
    problems, by_line = [], []
    for err in schema.error_log:
        el = paths.find(err.path)
        if el is None:
            by_line.append(Problem("error", code, None, clean(err.message), filename, err.line, err.column or 1))
            continue
        problems.append(schema_problem(err, el, filename, code, found_at))
    schema._clear_error_log()  # the cached schema would hold its log (C memory) until its next check
    _attach_ids(by_line, tree)
    return problems + by_line


def _attach_ids(problems: list[Problem], tree) -> None:
    """Give XSD problems whose element is not known the id of the resource holding their line."""
    if not problems:
        return
    spans = []
    for el in tree.getroot().iter(*(V + tag for tag in RESOURCE_TAGS)):
        end = max((d.sourceline or 0) for d in el.iter())
        spans.append((el.sourceline or 0, end, peek_id(el), etree.QName(el).localname))
    spans.sort()
    starts = [span[0] for span in spans]
    for p in problems:
        if not p.line:
            continue
        at = bisect.bisect_right(starts, p.line) - 1
        for start, end, ident, tag in reversed(spans[max(0, at - 3):at + 1]):  # innermost first (a vArray's member)
            if start <= p.line <= end:
                p.element_id, p.element = ident, tag
                break


def _finish(builder: ModelBuilder, model, problems: list[Problem], filename: str, root,
            limit: int | None = None) -> ReadResult:
    """The builder's own problems and the model's semantic ones, sorted by place."""
    bad_lines = {p.line for p in problems}
    problems += [p for p in builder.problems if not (p.code in VALUE_CODES and p.line in bad_lines)]
    if model is None:
        problems.append(Problem("error", "missing-element", None, "<description> needs <virtualInfrastructure>",
                                filename, root.sourceline, 1, "description"))
        place_columns(problems, builder.columns, root, builder.found_at, None)
        return _first(None, problems, limit)
    for p in model.validate():
        p.file = filename
        if p.line is None and p.element == "virtualInfrastructure":  # the VXI's own (its lease, its size)
            p.line = root[0].sourceline if len(root) else root.sourceline
        problems.append(p)
    place_columns(problems, builder.columns, root, builder.found_at, model)
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return _first(model, problems, limit)
