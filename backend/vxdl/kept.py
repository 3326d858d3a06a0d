"""The problems a reading keeps: the first `limit` in the order they are printed (by line and column, then the XSD's
before the builder's before the model's rules', each source in the order it found them), and how many of each
severity there are in all. A document of 100,000 problems from 1 MB held them all as objects (20 times its size);
a reading with a limit holds at most `limit` of them whatever their number, and still counts every one, and keeps
the worst severity of each element with a problem (its badge in the designer: one entry per component or link)."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from backend.model import Problem

DEFAULT_MAX_PROBLEMS = 1000  # what the commands print and the designer lists unless asked for more (0: all)
SCHEMA, BUILDER, RULES = 0, 1, 2  # the sources, in the order the whole reading lists problems of the same place
VALIDATE_SHOWS_ALL = "vxi validate --max-problems 0 shows them all"  # how the designer's lists end


def badge_severity(problems: Iterable[Problem]) -> str:
    """The worst severity of `problems` as a badge shows it: "error", "warning" for any other, "" for none."""
    severity = ""
    for problem in problems:
        if problem.severity == "error":
            return "error"
        severity = "warning"
    return severity


def note_worst(worst: dict[str, str], problems: Iterable[Problem]) -> dict[str, str]:
    """Add to `worst` (element id: badge severity) the problems' elements; returns it."""
    for problem in problems:
        ident = problem.element_id
        if ident is not None and worst.get(ident) != "error":
            worst[ident] = "error" if problem.severity == "error" else "warning"
    return worst


@dataclass
class Kept:
    """What a reading or a check keeps of its problems: the first ones (in printed order), the count of every one by
    severity, and the worst severity of every element id with a problem, kept or not."""

    problems: list[Problem]
    counts: Counter[str]
    worst: dict[str, str]

    @property
    def total(self) -> int:
        """How many problems there are in all."""
        return sum(self.counts.values())

    def plus(self, more: list[Problem]) -> Kept:
        """These and `more` (a few others, such as a run's failures) kept too."""
        if not more:
            return self
        return Kept(self.problems + more, self.counts + Counter(p.severity for p in more),
                    note_worst(dict(self.worst), more))


def keep_first(problems: Iterable[Problem], limit: int | None, source: int = RULES) -> Kept:
    """The first `limit` of one source's problems (all: None or 0) in printed order, each counted."""
    kept = KeptProblems(limit)
    kept.add_all(problems, source)
    return kept.kept()


class KeptProblems:
    """A bounded collection of problems (`limit` None: all of them) with the count of every one added."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit if limit else None
        self.counts: Counter[str] = Counter()
        self.worst: dict[str, str] = {}  # element id: its problems' worst severity as a badge shows it
        self._heap: list[tuple[int, int, int, int, Problem]] = []  # keys negated: the last kept on top

    def add(self, problem: Problem, source: int, index: int) -> None:
        """Count a problem placed at its column, and keep it if it is among the first `limit`; `index`: its rank
        among its source's problems."""
        self.counts[problem.severity] += 1
        if problem.element_id is not None:
            note_worst(self.worst, (problem,))
        key = (-(problem.line or 0), -(problem.column or 0), -source, -index, problem)
        heap = self._heap
        if self.limit is None or len(heap) < self.limit:
            heapq.heappush(heap, key)
        elif key[:4] > heap[0][:4]:
            heapq.heapreplace(heap, key)

    def add_all(self, problems: Iterable[Problem], source: int, first_index: int = 0) -> None:
        """add() each, their indices following on from `first_index`."""
        for index, problem in enumerate(problems, first_index):
            self.add(problem, source, index)

    def count(self, problems: Iterable[Problem]) -> None:
        """Count problems that cannot be among those kept."""
        for problem in problems:
            self.counts[problem.severity] += 1
            note_worst(self.worst, (problem,))

    def problems(self) -> list[Problem]:
        """The problems kept, in order."""
        return [entry[4] for entry in sorted(self._heap, key=lambda entry: entry[:4], reverse=True)]

    def kept(self) -> Kept:
        """The problems kept, in order, with the counts and worst severities of every one."""
        return Kept(self.problems(), self.counts, self.worst)


def on_first_lines(problems: list[Problem], limit: int | None) -> list[Problem]:
    """Those of `problems` that can be among the first `limit` once placed at their columns: the problems of the
    lines up to the `limit`-th problem's, in their order (placing the others' columns is work for nothing)."""
    if not limit or len(problems) <= limit:
        return problems
    last = heapq.nsmallest(limit, (p.line or 0 for p in problems))[-1]
    return [p for p in problems if (p.line or 0) <= last]


def first_problems(problems: list[Problem], limit: int | None) -> Kept:
    """The first `limit` of problems already in order (all: None or 0), the count of each severity in all, and the
    worst severity of each element."""
    counts = Counter(p.severity for p in problems)
    return Kept(problems[:limit] if limit else problems, counts, note_worst({}, problems))


def not_shown_line(not_shown: int, total: int, how: str = "--max-problems 0 shows them all") -> str:
    """The last line after the first problems printed: how many more there are, and how to see them."""
    return f"{not_shown:,} more {'problem' if not_shown == 1 else 'problems'} not shown ({total:,} in all); {how}"
