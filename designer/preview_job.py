"""The work behind the embedding preview, run off the GUI thread: read the files, embed, and the
utilisation in each moment between lease and period boundaries. No Qt here."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

from backend.model import Infrastructure, Substrate

DIMENSIONS = ("cores", "memory", "storage")


@dataclass
class PreviewInput:
    """What to embed: a substrate (a model, or a file), the document's VXI (a copy) and extra VXI files."""

    generation: int
    algorithm: str
    substrate_path: str | None = None
    substrate: Substrate | None = None
    document_vxi: Infrastructure | None = None
    extra_paths: list[str] = field(default_factory=list)


@dataclass
class Moment:
    """A stretch of time [start, end) in which the reservations do not change; `what` says what began."""

    start: float | None
    end: float | None
    what: str

    def describe(self) -> str:
        """'2026-12-01 10:00 to 12:00 UTC: VXI2 starts' or 'at all times'."""
        if self.start is None:
            return "at all times (no lease has a start date)"
        a = datetime.fromtimestamp(self.start, UTC)
        text = a.strftime("%Y-%m-%d %H:%M")
        if self.end is not None and math.isfinite(self.end):
            b = datetime.fromtimestamp(self.end, UTC)
            text += " to " + b.strftime("%H:%M" if b.date() == a.date() else "%Y-%m-%d %H:%M") + " UTC"
        else:
            text += " UTC onwards"
        return text + (f": {self.what}" if self.what else "")


@dataclass
class PreviewResult:
    """An embedding ready to draw, or the sentence saying why there is none."""

    generation: int
    substrate: Substrate | None = None
    mapping: object | None = None
    requests: list[Infrastructure] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)
    utilisation: list[dict] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


def compute(job: PreviewInput) -> PreviewResult:
    """Embed the job's requests on its substrate; every failure becomes `error`, never an exception."""
    started = time.perf_counter()
    result = PreviewResult(job.generation)
    try:
        result.substrate = job.substrate if job.substrate is not None else _read(job.substrate_path, Substrate)
        result.requests = ([job.document_vxi] if job.document_vxi is not None else []) + [
            _read(path, Infrastructure) for path in job.extra_paths]
        if not result.requests:
            result.error = "Nothing to embed: the open document is not a VXI and no VXI file was added."
            return result
        from backend.embedding import embed

        mapping = embed(result.substrate, result.requests, job.algorithm)
        result.mapping = mapping
        result.refused = [(r.id, r.reason or "no reason given") for r in mapping.requests if not r.accepted]
        result.moments = moments(mapping, result.requests)
        result.utilisation = _snapshots(result.substrate, result.requests, mapping, job.algorithm, result.moments)
    except Exception as exc:  # every failure is shown as a sentence in the preview
        result.error = _sentence(exc)
    finally:
        result.seconds = time.perf_counter() - started
    return result


def _read(path: str | None, expected: type):
    from backend.vxdl import read_file

    if not path:
        raise ValueError("choose a substrate file")
    role = "substrate" if expected is Substrate else None
    model = read_file(path, role=role).model
    if not isinstance(model, expected):
        what = "a substrate" if expected is Substrate else "a VXI"
        raise ValueError(f"{path} is not {what}")
    return model


def _sentence(exc: Exception) -> str:
    from backend.embedding import EmbeddingError, InfeasibleMappingError
    from backend.vxdl import VxdlFileError

    if isinstance(exc, VxdlFileError):
        return f"Cannot read {exc}"
    if isinstance(exc, InfeasibleMappingError):
        return f"The solver returned a mapping that breaks a constraint (a bug, please report it): {exc}"
    if isinstance(exc, EmbeddingError | ValueError | OSError):
        return f"Cannot embed: {exc}"
    return f"Cannot embed: {type(exc).__name__}: {exc}"


def moments(mapping, requests: list[Infrastructure]) -> list[Moment]:
    """The stretches between the lease starts and ends and named period boundaries of the accepted requests."""
    marks: dict[float, list[str]] = {}
    for result, vxi in zip(mapping.requests, requests, strict=False):
        if result.window is None or not result.accepted:
            continue
        start, end = result.window
        marks.setdefault(start, []).append(f"{result.id} starts")
        if end is not None and math.isfinite(end):
            marks.setdefault(end, []).append(f"{result.id} ends")
        for period in vxi.periods:
            marks.setdefault(start + period.offset, []).append(f"{result.id} period {period.name}")
            marks.setdefault(start + period.end, []).append(f"{result.id} period {period.name} ends")
    if not marks:
        return [Moment(None, None, "")]
    points = sorted(marks)
    out = [Moment(a, b, ", ".join(marks[a])) for a, b in pairwise(points)]
    last = points[-1]
    out.append(Moment(last, None, ", ".join(marks[last])))
    return out


def _snapshots(substrate: Substrate, requests: list[Infrastructure], mapping, algorithm: str,
               stretches: list[Moment]) -> list[dict]:
    """The utilisation at the start of each moment (the mapping's peak when it cannot be worked out)."""
    try:
        from backend.embedding import Embedder

        embedder = Embedder(substrate, algorithm)
        for result, vxi in zip(mapping.requests, requests, strict=True):
            if result.accepted:
                embedder.load(vxi, result)
        return [_utilisation_at(embedder, m.start) if m.start is not None else mapping.utilisation
                for m in stretches]
    except Exception:  # the peak is a safe, documented fallback
        return [mapping.utilisation for _ in stretches]


def _utilisation_at(embedder, t: float) -> dict:
    """Use and capacity of every host resource and link direction at time t, as Mapping.utilisation."""
    net = embedder.net
    used = embedder.ledger.usage_at(t)
    cap = net.capacity

    def finite(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    hosts = {h: {dim: {"used": float(used[3 * i + d]), "capacity": finite(cap[3 * i + d])}
                 for d, dim in enumerate(DIMENSIONS)} for i, h in enumerate(net.host_ids)}
    off = net.arc_offset
    links = {lid: {direction: {"used_bps": float(used[off + 2 * p + r]), "capacity_bps": finite(cap[off + 2 * p + r])}
                   for r, direction in enumerate(("forward", "reverse"))} for p, lid in enumerate(net.link_ids)}
    return {"hosts": hosts, "links": links}
