"""The normalised JSON of a model (SI units), as `vxi show --json` prints it."""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from backend.model import Infrastructure, Lease, Quantity, Substrate


def _value(value):
    if isinstance(value, Quantity):
        return value.to_json()
    if isinstance(value, Lease):
        return value.to_json()
    if is_dataclass(value):
        return _object(value)
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    return value


def _object(obj) -> dict:
    data = {"kind": obj.kind} if hasattr(obj, "kind") and isinstance(getattr(type(obj), "kind", None), str) else {}
    for f in fields(obj):
        if f.name in ("at_line", "opaque", "extensions") or f.name.startswith("_"):
            continue
        value = getattr(obj, f.name)
        if value is None or value == [] or value == {}:
            continue
        data[f.name] = _value(value)
    return data


def model_json(model: Infrastructure | Substrate) -> dict:
    """A JSON-ready dict of the whole model, numbers in SI units (bit/s, s, bytes, Hz)."""
    if isinstance(model, Substrate):
        return {"role": "substrate", "id": model.id, "lease": model.lease.to_json(), "owner": model.owner,
                "hosts": [_object(h) for h in model.hosts.values()],
                "links": [_object(lk) for lk in model.links.values()]}
    return {"role": "request", "id": model.id, "location": model.location, "lease": model.lease.to_json(),
            "owner": model.owner, "users": model.users,
            "components": [_object(c) for c in model.components.values()],
            "links": [_object(lk) for lk in model.links.values()],
            "timeline": [_object(e) for e in model.timeline], "periods": [_object(p) for p in model.periods]}
