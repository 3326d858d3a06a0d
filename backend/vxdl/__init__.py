"""VXDL 2.0 in and out: safe parsing, XSD and cardinality checks, semantic rules, strict-order writing."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from lxml import etree

from backend.model import Infrastructure, Problem, Substrate
from backend.vxdl.errors import VxdlFileError
from backend.vxdl.overlap import check_strict_order, gc_paused
from backend.vxdl.reader import ModelReader, ReadResult
from backend.vxdl.schema import VXDL_NS, lenient_schema, strict_schema
from backend.vxdl.secure import parse_bytes, read_limited
from backend.vxdl.writer import write_bytes, write_file

__all__ = ["ReadResult", "VxdlFileError", "fill_columns", "read_bytes", "read_file", "strict_problems", "write_bytes",
           "write_file"]

_VALUE_CODES = {"not-a-number", "bad-date", "bad-duration"}


def _clean(message: str) -> str:
    """An XSD message without namespace braces, e.g. Element 'vNode': ..."""
    message = re.sub(r"\{[^}]*\}", "", message)
    return message.replace("Element '", "element <").replace("': ", ">: ", 1).rstrip(".")


def _schema_problems(tree, filename: str, schema: etree.XMLSchema, code: str) -> list[Problem]:
    if schema.validate(tree):
        return []
    found = []
    for err in schema.error_log:
        found.append(Problem("error", code, None, _clean(err.message), filename, err.line, err.column or 1))
    return found


def _attach_ids(problems: list[Problem], reader: ModelReader, tree) -> None:
    """Give XSD problems the id of the resource whose element they are in (by line)."""
    spans = []
    for el in tree.getroot().iter(f"{{{VXDL_NS}}}vNode", f"{{{VXDL_NS}}}vLink", f"{{{VXDL_NS}}}vRouter",
                                  f"{{{VXDL_NS}}}vStorage", f"{{{VXDL_NS}}}vAccessPoint",
                                  f"{{{VXDL_NS}}}vArray"):
        end = max((d.sourceline or 0) for d in el.iter())
        spans.append((el.sourceline or 0, end, ModelReader._peek_id(el), etree.QName(el).localname))
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


def read_bytes(data: bytes, filename: str = "<memory>", role: str | None = None) -> ReadResult:
    """Read VXDL bytes; VxdlFileError when they are not VXDL at all, else a model and its problems."""
    tree = parse_bytes(data, filename)
    root = tree.getroot()
    if root.tag != f"{{{VXDL_NS}}}description":
        q = etree.QName(root)
        where = f" in namespace {q.namespace}" if q.namespace else " (no namespace)"
        raise VxdlFileError(filename, f"not VXDL: the root is <{q.localname}>{where}, expected <description> "
                                      f"in namespace {VXDL_NS}", root.sourceline)
    strict = check_strict_order(root)
    reader = ModelReader(filename, data)
    reader.counted = False  # built as if strict-valid (no counting in Python); kept only if it is
    with gc_paused():
        try:
            model = reader.read(root, role)
        except Exception:
            model = None
        strict_valid = strict.result()
        if strict_valid and model is not None:
            problems: list[Problem] = []
        else:
            reader = ModelReader(filename, data)
            problems = _schema_problems(tree, filename, lenient_schema(), "schema")
            if problems:
                _attach_ids(problems, reader, tree)
            try:
                model = reader.read(root, role)
            except Exception as exc:  # a reader bug must still give a message, not a traceback
                problems.append(Problem("error", "unreadable", None, f"could not build the model: {exc}",
                                        filename, 1, 1))
                return ReadResult(None, problems)
        return _finish(reader, model, problems, filename, root)


def _finish(reader: ModelReader, model, problems: list[Problem], filename: str, root) -> ReadResult:
    """The reader's own problems and the model's semantic ones, sorted by place."""
    bad_lines = {p.line for p in problems}
    problems += [p for p in reader.problems if not (p.code in _VALUE_CODES and p.line in bad_lines)]
    if model is None:
        problems.append(Problem("error", "missing-element", None, "<description> needs <virtualInfrastructure>",
                                filename, root.sourceline, 1, "description"))
        return ReadResult(None, problems)
    for p in model.validate():
        p.file = filename
        problems.append(p)
    for p in problems:
        if not p.column and p.line:
            p.column = reader.column(p.line, p.element or "")
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return ReadResult(model, problems)


def fill_columns(problems: list[Problem], path: str | Path) -> None:
    """Give problems found after reading (e.g. anchors against a substrate) the column of their element."""
    reader = ModelReader(str(path), read_limited(path))
    for p in problems:
        if not p.column and p.line:
            p.column = reader.column(p.line, p.element or "")


def read_file(path: str | Path, role: str | None = None) -> ReadResult:
    """Read a VXDL file (role 'substrate' reads its vNodes as hosts); see read_bytes."""
    return read_bytes(read_limited(path), str(path), role)


def strict_problems(data: bytes, filename: str = "<memory>") -> list[Problem]:
    """Problems of a document against VXDL 2.0's strict order (what the writer must always pass)."""
    return _schema_problems(parse_bytes(data, filename), filename, strict_schema(), "strict-order")


def is_substrate(model: Infrastructure | Substrate | None) -> bool:
    """True for a substrate model."""
    return isinstance(model, Substrate)
