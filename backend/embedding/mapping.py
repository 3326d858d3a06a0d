"""The result of an embedding: where each virtual component and link went, as `vxi embed --json` prints it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field

from backend.embedding.placed import LinkPlacement, PlacedLinks

FORWARD, REVERSE = "forward", "reverse"


@dataclass
class RequestMapping:
    """One VXI's embedding. Cloud members are named CLOUD#i; a link to a cloud is listed per member
    (as LINK#i). `window` is (start, end) in seconds since the Unix epoch, or None without a lease."""

    id: str
    accepted: bool
    reason: str | None = None
    nodes: dict[str, str] = field(default_factory=dict)
    links: dict[str, LinkPlacement] = field(default_factory=dict)
    window: tuple[float, float] | None = None
    seconds: float = field(default=0.0, compare=False)
    solver: dict = field(default_factory=dict, compare=False)
    source: str | None = field(default=None, compare=False)

    def to_json(self, lazy: bool = False) -> dict:
        """The JSON form of one request (plus "source", the request's file, and "solver", the exact solver's
        status, objective and bound, when known). `lazy`: "links" is a view that makes each link's JSON when
        reached (for `backend.cli.json_out`, which writes it a piece at a time)."""
        return {"id": self.id, "accepted": self.accepted, "reason": self.reason, "nodes": dict(self.nodes),
                "links": _LinksJson(self.links) if lazy else {k: v.to_json() for k, v in self.links.items()},
                "window": list(self.window) if self.window else None,
                **({"source": self.source} if self.source else {}),
                **({"solver": dict(self.solver)} if self.solver else {})}

    @classmethod
    def from_json(cls, data: dict) -> RequestMapping:
        """Read the JSON form back."""
        window = data.get("window")
        return cls(str(data["id"]), bool(data["accepted"]), data.get("reason"),
                   {str(k): str(v) for k, v in data.get("nodes", {}).items()},
                   _placements(data.get("links", {})),
                   tuple(window) if window else None, solver=dict(data.get("solver") or {}),
                   source=data.get("source"))


@dataclass
class Mapping:
    """Several requests embedded on one substrate, with the utilisation that results."""

    substrate: str
    requests: list[RequestMapping] = field(default_factory=list)
    utilisation: dict = field(default_factory=lambda: {"hosts": {}, "links": {}})
    algorithm: str | None = None

    def request(self, vxi_id: str) -> RequestMapping:
        """The mapping of one VXI by id."""
        return next(r for r in self.requests if r.id == vxi_id)

    def to_json(self, lazy: bool = False) -> dict:
        """The JSON printed by `vxi embed --json` (`lazy`: see RequestMapping.to_json)."""
        return {"substrate": self.substrate, "algorithm": self.algorithm,
                "requests": [r.to_json(lazy) for r in self.requests], "utilisation": self.utilisation}

    @classmethod
    def from_json(cls, data: dict) -> Mapping:
        """Read `vxi embed --json` output back."""
        return cls(str(data.get("substrate", "")), [RequestMapping.from_json(r) for r in data["requests"]],
                   data.get("utilisation", {"hosts": {}, "links": {}}), data.get("algorithm"))


class _PlacedRow(tuple):
    """A link's placement object as `json_hook` turned it into a row when it was parsed: (path, forward, reverse),
    the path a tuple of (link, direction) pairs kept once for equal paths."""

    __slots__ = ()


_PLACEMENT_KEYS = frozenset({"path", "bandwidth_bps"})


def json_hook():
    """An `object_pairs_hook` for `json.loads` of a mapping: each link's placement object becomes its row as it
    is parsed (about 100 bytes a link held instead of about 700 for its objects), with exactly the conversions
    and defaults of `Mapping.from_json`; an object it cannot convert is left a dict (and refused there)."""
    paths: dict[tuple, tuple] = {}

    def hook(pairs):
        data = dict(pairs)
        if not isinstance(data.get("path"), list) or not data.keys() <= _PLACEMENT_KEYS:  # not a placement
            return data
        try:
            return _PlacedRow(_row(data, paths))
        except (ValueError, KeyError, TypeError, AttributeError):
            return data

    return hook


class GatheredLinks:
    """A request's links gathered into columns as they were read (backend/embedding/mapping_file.py), or what
    from_json would raise on them."""

    __slots__ = ("error", "placed")

    def __init__(self, placed: PlacedLinks, error: Exception | None) -> None:
        self.placed, self.error = placed, error


def _placements(data: dict | GatheredLinks) -> PlacedLinks:
    """A request's links read back as columns (equal paths and rates kept once)."""
    if isinstance(data, GatheredLinks):
        if data.error is not None:
            raise data.error
        return data.placed

    def rows():
        for key, value in data.items():
            yield (str(key), *row_of(value))

    return PlacedLinks.gather(rows())


def row_of(value) -> tuple[tuple, float, float]:
    """A link's placement as json_hook left it (a row, or an object it could not convert) as a row, or the error
    from_json raises on it."""
    return value if isinstance(value, _PlacedRow) else _row(value)


def _row(data: dict, paths: dict[tuple, tuple] | None = None) -> tuple[tuple, float, float]:
    """One link's placement object as (path, forward, reverse), the conversions and defaults of the JSON form;
    equal paths kept once in `paths` when given."""
    bw = data.get("bandwidth_bps", {})
    steps = tuple((str(a), str(b)) for a, b in data.get("path", []))
    if paths is not None:
        steps = paths.setdefault(steps, steps)
    return steps, _rate(bw.get("forward", 0.0)), _rate(bw.get("reverse", 0.0))


def _rate(value) -> float:
    """A bandwidth of the JSON form as a float; ValueError for anything but a finite number of bits per second,
    zero or more (a string, true, NaN or a negative rate was taken as it came), or an integer too large for a
    float (OverflowError, which no reader of a mapping expects: `vxi replan` exited 3 on 400 digits)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a bandwidth must be a number of bits per second, not {type(value).__name__}")
    try:
        rate = float(value)
    except OverflowError:
        raise ValueError(f"a bandwidth of {len(str(value))} digits is out of range") from None
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"a bandwidth must be finite and not negative, not {rate}")
    return rate


class _LinksJson(AnyMapping):
    """A request's links as JSON objects, each made when reached."""

    def __init__(self, links):
        self._links = links

    def __getitem__(self, key: str) -> dict:
        return self._links[key].to_json()

    def __iter__(self) -> Iterator[str]:
        return iter(self._links)

    def __len__(self) -> int:
        return len(self._links)

    def items(self):
        """(id, JSON object) pairs, made one at a time."""
        return ((key, placed.to_json()) for key, placed in self._links.items())
