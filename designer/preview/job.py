"""The work behind the embedding preview, run off the GUI thread: read the files, embed, and the
utilisation in each moment between lease and period boundaries (`backend.embedding.utilisation`). No Qt here."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from backend.embedding.utilisation import Moment, moments, over_time
from backend.model import Infrastructure, Substrate


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
        result.utilisation = over_time(result.substrate, result.requests, mapping, result.moments)
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
