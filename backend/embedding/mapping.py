"""The result of an embedding: where each virtual component and link went, as `vxi embed --json` prints it."""

from __future__ import annotations

from dataclasses import dataclass, field

FORWARD, REVERSE = "forward", "reverse"


@dataclass(slots=True)
class LinkPlacement:
    """A virtual link's path: physical link ids with the direction each is crossed, and its bandwidth."""

    path: list[tuple[str, str]] = field(default_factory=list)
    forward_bps: float = 0.0
    reverse_bps: float = 0.0

    def to_json(self) -> dict:
        """The JSON form of one link placement."""
        return {"path": [[pl, d] for pl, d in self.path],
                "bandwidth_bps": {"forward": self.forward_bps, "reverse": self.reverse_bps}}

    @classmethod
    def from_json(cls, data: dict) -> LinkPlacement:
        """Read the JSON form back."""
        bw = data.get("bandwidth_bps", {})
        return cls([(str(a), str(b)) for a, b in data.get("path", [])],
                   float(bw.get("forward", 0.0)), float(bw.get("reverse", 0.0)))


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

    def to_json(self) -> dict:
        """The JSON form of one request (plus "source", the request's file, and "solver", the exact solver's
        status, objective and bound, when known)."""
        return {"id": self.id, "accepted": self.accepted, "reason": self.reason, "nodes": dict(self.nodes),
                "links": {k: v.to_json() for k, v in self.links.items()},
                "window": list(self.window) if self.window else None,
                **({"source": self.source} if self.source else {}),
                **({"solver": dict(self.solver)} if self.solver else {})}

    @classmethod
    def from_json(cls, data: dict) -> RequestMapping:
        """Read the JSON form back."""
        window = data.get("window")
        return cls(str(data["id"]), bool(data["accepted"]), data.get("reason"),
                   {str(k): str(v) for k, v in data.get("nodes", {}).items()},
                   {str(k): LinkPlacement.from_json(v) for k, v in data.get("links", {}).items()},
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

    def to_json(self) -> dict:
        """The JSON printed by `vxi embed --json`."""
        return {"substrate": self.substrate, "algorithm": self.algorithm,
                "requests": [r.to_json() for r in self.requests], "utilisation": self.utilisation}

    @classmethod
    def from_json(cls, data: dict) -> Mapping:
        """Read `vxi embed --json` output back."""
        return cls(str(data.get("substrate", "")), [RequestMapping.from_json(r) for r in data["requests"]],
                   data.get("utilisation", {"hosts": {}, "links": {}}), data.get("algorithm"))
