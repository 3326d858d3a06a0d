"""Where a request's links went: one `LinkPlacement` per link, and `PlacedLinks`, a request's placements held as
three columns (ids, shared paths, shared rates) that make a link's `LinkPlacement` when asked for it.

100,000 links between 40 hosts have a few hundred distinct paths and rates: a dict of one object per link took
about 100 bytes a link, the columns take 24. Reading a placement makes it; changing it (`links[id].path = ...`)
makes it that link's own, kept from then on (copy on write), so `PlacedLinks` behaves as a dict of objects."""

from __future__ import annotations

import copy as _copy
import weakref
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field

from backend.model.shared import FrozenList


@dataclass(slots=True, eq=False)
class LinkPlacement:
    """A virtual link's path: physical link ids with the direction each is crossed, and its bandwidth."""

    path: list[tuple[str, str]] = field(default_factory=list)
    forward_bps: float = 0.0
    reverse_bps: float = 0.0

    __hash__ = None  # type: ignore[assignment]  # changeable, as a dataclass with eq

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinkPlacement):
            return NotImplemented
        return (self.path, self.forward_bps, self.reverse_bps) == (other.path, other.forward_bps, other.reverse_bps)

    def to_json(self) -> dict:
        """The JSON form of one link placement."""
        return {"path": [[pl, d] for pl, d in self.path],
                "bandwidth_bps": {"forward": self.forward_bps, "reverse": self.reverse_bps}}


class _Held(LinkPlacement):
    """A placement made from `PlacedLinks`' columns: a change to it makes it that link's own in its mapping."""

    __slots__ = ("__weakref__", "_home", "_key")

    def __setattr__(self, name: str, value) -> None:
        object.__setattr__(self, name, value)
        home = getattr(self, "_home", None)  # none while dataclasses.replace makes one
        if home is not None and not name.startswith("_"):
            home._adopt(self._key, self)

    def __repr__(self) -> str:
        return f"LinkPlacement(path={self.path!r}, forward_bps={self.forward_bps!r}, reverse_bps={self.reverse_bps!r})"

    def __reduce__(self):  # copies and pickles are plain placements of their own
        return (LinkPlacement, (self.path, self.forward_bps, self.reverse_bps))


def _held(home: PlacedLinks, key: str, path, forward: float, reverse: float) -> _Held:
    made = object.__new__(_Held)
    for name, value in (("path", path), ("forward_bps", forward), ("reverse_bps", reverse), ("_home", home),
                        ("_key", key)):
        object.__setattr__(made, name, value)
    return made


class PlacedLinks(MutableMapping):
    """A dict of link id -> LinkPlacement held as columns: `ids`, `routes` (each a read-only list, equal paths one
    object) and `rates` ((forward, reverse) pairs, equal ones one tuple). Links changed, added or removed
    afterwards are kept as objects; the order is a dict's (a removed link given again comes last)."""

    __slots__ = ("_extra", "_ids", "_live", "_next", "_own", "_rates", "_routes", "_where")

    def __init__(self, ids: list[str] = (), routes: list[list] = (), rates: list[tuple[float, float]] = ()):
        if not len(ids) == len(routes) == len(rates):
            raise ValueError("ids, routes and rates must be of one length")
        self._ids, self._routes, self._rates = list(ids), list(routes), list(rates)
        self._own: dict[str, LinkPlacement] = {}  # placements of column links given or changed since
        self._extra: dict[str, LinkPlacement] = {}  # links added after the columns, in order
        self._where: dict[str, int] | None = None  # id -> row, made on the first lookup out of order
        self._next = 0  # the row after the last one looked up (lookups in order need no index)
        self._live: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # placements made, while in use

    @classmethod
    def adopt(cls, ids: list[str], routes: list[list], rates: list[tuple[float, float]]) -> PlacedLinks:
        """Columns made of these very lists, not copies (the caller gives them up: for 100,000 links, 2.4 MB less
        at the peak)."""
        placed = cls()
        if not len(ids) == len(routes) == len(rates):
            raise ValueError("ids, routes and rates must be of one length")
        placed._ids, placed._routes, placed._rates = ids, routes, rates
        return placed

    @classmethod
    def gather(cls, placements: Iterable[tuple[str, Iterable[tuple[str, str]], float, float]]) -> PlacedLinks:
        """Columns from (id, path, forward, reverse), equal paths and rates kept once (later ids replace earlier)."""
        ids, routes, rates = [], [], []
        paths: dict[tuple, list] = {}
        pairs: dict[tuple[float, float], tuple[float, float]] = {}
        seen: dict[str, int] = {}
        for key, path, forward, reverse in placements:
            steps = tuple(path)
            route = paths.get(steps)
            if route is None:
                route = paths[steps] = FrozenList(steps)
            pair = (forward, reverse)
            pair = pairs.setdefault(pair, pair)
            if key in seen:  # as a dict: the first position, the last value
                routes[seen[key]], rates[seen[key]] = route, pair
                continue
            seen[key] = len(ids)
            ids.append(key)
            routes.append(route)
            rates.append(pair)
        return cls.adopt(ids, routes, rates)

    # ----- finding a row -----
    def _row(self, key) -> int | None:
        """The column row of `key` (None when not there): the row after the last one asked, that one again or the
        first are tried before an index of every id is made."""
        ids = self._ids
        for row in (self._next, self._next - 1, 0):
            if 0 <= row < len(ids) and ids[row] == key:
                self._next = row + 1
                return row
        if not ids:
            return None
        if self._where is None:
            self._where = {k: row for row, k in enumerate(ids)}
        row = self._where.get(key)
        if row is not None:
            self._next = row + 1
        return row

    def _made(self, row: int) -> LinkPlacement:
        key = self._ids[row]
        own = self._own.get(key)
        if own is not None:
            return own
        made = self._live.get(key)
        if made is None:
            forward, reverse = self._rates[row]
            made = _held(self, key, self._routes[row], forward, reverse)
            self._live[key] = made
        return made

    def _adopt(self, key: str, placement: LinkPlacement) -> None:
        """A placement made from the columns was changed: it is that link's own from now on."""
        if self._row(key) is not None and key not in self._own:
            self._own[key] = placement

    def _flatten(self) -> None:
        """Every link as an object in `_extra`, in order (before a removal, rare: the columns cannot lose a row)."""
        self._extra = {key: self._made(row) for row, key in enumerate(self._ids)} | self._extra
        self._ids, self._routes, self._rates, self._own, self._where, self._next = [], [], [], {}, None, 0

    # ----- the dict -----
    def __getitem__(self, key) -> LinkPlacement:
        row = self._row(key)
        if row is not None:
            return self._made(row)
        return self._extra[key]

    def get(self, key, default=None):
        """The placement of `key`, or `default`."""
        row = self._row(key)
        if row is not None:
            return self._made(row)
        return self._extra.get(key, default)

    def __contains__(self, key) -> bool:
        return self._row(key) is not None or key in self._extra

    def __setitem__(self, key, value: LinkPlacement) -> None:
        if self._row(key) is not None:
            self._own[key] = value
            self._live.pop(key, None)
        else:
            self._extra[key] = value

    def __delitem__(self, key) -> None:
        if key not in self:
            raise KeyError(key)
        self._flatten()
        del self._extra[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._ids
        yield from self._extra

    def __len__(self) -> int:
        return len(self._ids) + len(self._extra)

    def items(self):
        """(id, placement) pairs in order, each placement made as it is reached."""
        return _Items(self)

    def values(self):
        """The placements in order, each made as it is reached."""
        return _Values(self)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self.items()) + "}"

    def __copy__(self) -> PlacedLinks:
        """The same columns (read-only) with its own changes (the placements themselves shared, as a dict's copy)."""
        twin = PlacedLinks.__new__(PlacedLinks)
        twin._ids, twin._routes, twin._rates = self._ids, self._routes, self._rates
        twin._own, twin._extra, twin._where, twin._next = dict(self._own), dict(self._extra), self._where, 0
        twin._live = weakref.WeakValueDictionary()
        return twin

    copy = __copy__

    def __deepcopy__(self, memo) -> PlacedLinks:
        twin = self.__copy__()
        twin._own, twin._extra = _copy.deepcopy(self._own, memo), _copy.deepcopy(self._extra, memo)
        return twin

    def __reduce__(self):
        return (_rebuilt, (self._ids, self._routes, self._rates, self._own, self._extra))


def _rebuilt(ids, routes, rates, own, extra) -> PlacedLinks:
    placed = PlacedLinks([str(k) for k in ids], [FrozenList(r) for r in routes], [tuple(p) for p in rates])
    placed._own, placed._extra = dict(own), dict(extra)
    return placed


class _Items:
    """A view of (id, placement) pairs made one at a time."""

    __slots__ = ("_links",)

    def __init__(self, links: PlacedLinks):
        self._links = links

    def __iter__(self):
        links = self._links
        for row, key in enumerate(links._ids):
            yield key, links._made(row)
        yield from links._extra.items()

    def __len__(self) -> int:
        return len(self._links)

    def __contains__(self, item) -> bool:
        key, value = item
        return key in self._links and self._links[key] == value


class _Values(_Items):
    """A view of the placements made one at a time."""

    __slots__ = ()

    def __iter__(self):
        for _key, value in _Items.__iter__(self):
            yield value

    def __contains__(self, value) -> bool:
        return any(v == value for v in self)
