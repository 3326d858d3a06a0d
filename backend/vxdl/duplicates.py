"""Where a duplicate id's problem goes, found while reading resource by resource (stream_problems.py), without
holding the document's elements or every duplicate until the end.

The whole reading (columns.place_columns) puts the n-th duplicate of an id on a line at the element of that tag and
id on that line that comes n-th after the one the model kept (when it is on that line): most often the duplicate's
own element, whose rank on its line the reading knows as it walks it. It is another when an element of that tag and
id that is not one of the virtualInfrastructure's own resources comes before it on its line (a cloud's member, one
inside an element the XSD does not expect, one before the virtualInfrastructure...), or when the element kept is of
another tag on that line: such duplicates are left to the whole reading's placing at the end, with how many of
their key were placed before them."""

from __future__ import annotations

from backend.model import Problem
from backend.vxdl.fields import RESOURCE_TAGS, V

ANY_RESOURCE = tuple("{*}" + tag for tag in RESOURCE_TAGS)  # what place_columns counts, in any namespace


def _ident(el) -> str:
    node = el.find(V + "id")
    return (node.text or "").strip() if node is not None else ""


class DuplicatePlaces:
    """The duplicates of the current line: which can be placed at their own element, and what the others need."""

    def __init__(self) -> None:
        self.found: dict[int, tuple[Problem, bool]] = {}  # id(element) -> its problem, whether left to the end
        self.line: int | None = None
        self.irregular: set[tuple[str, str]] = set()  # (tag, id) of the line's elements other than resources
        self.counts: dict[tuple[str, str], int] = {}  # (tag, id) -> the line's duplicates so far
        self.seeds: dict[tuple[int, str, str], int] = {}  # (line, tag, id) -> duplicates placed before those left

    def built(self, el, problem: Problem, model, cls: type) -> None:
        """A resource element just built has this duplicate-id problem (`cls`: the class of the element's model)."""
        kept = (model.links if problem.element == "vLink" else model.components).get(problem.element_id)
        other = kept is not None and kept.at_line == problem.line and type(kept) is not cls
        self.found[id(el)] = (problem, other)

    def _at(self, line: int | None) -> None:
        if line != self.line:
            self.line, self.irregular, self.counts = line, set(), {}

    def note(self, top, skip=None) -> None:
        """The elements of resource tags in `top` (itself included, but `skip`), in document order: not resources."""
        for el in top.iter(*ANY_RESOURCE):
            if el is not skip:
                self._at(el.sourceline)
                self.irregular.add((el.tag.rpartition("}")[2], _ident(el)))

    def resource(self, el, found_at: dict) -> bool:
        """A resource of the virtualInfrastructure, in document order: its duplicate's problem placed at it (in
        `found_at`: True) or left to the end, and its members noted."""
        entry = self.found.pop(id(el), None)
        at_it = False
        if entry is not None:
            problem, other = entry
            self._at(el.sourceline)
            key = (problem.element or "", problem.element_id or "")
            placed = self.counts.get(key, 0)
            if other or key in self.irregular:
                self.seeds.setdefault((el.sourceline, *key), placed)
            else:
                found_at[id(problem)], at_it = el, True
            self.counts[key] = placed + 1
        if len(el):
            self.note(el, skip=el)
        return at_it
