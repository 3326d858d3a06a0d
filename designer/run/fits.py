"""Which hosts a deployed component may move to, with the reason for each host that does not fit.
No Qt here: it reads the deployment record, the substrate and the deployed VXIs."""

from __future__ import annotations

import time
from dataclasses import dataclass

from backend.model import Cloud, Infrastructure, Node, Router, Storage, Substrate
from backend.model import units as U

DIMENSIONS = (("cores", U.COUNT, "cores"), ("memory", U.SIZE, "memory"), ("storage", U.SIZE, "storage"))


@dataclass(frozen=True)
class HostChoice:
    """A host offered as a destination: `fits` says whether it can take the component, `reason` why not."""

    host: str
    fits: bool
    reason: str = ""
    free: str = ""  # what is left on the host, in words


def _amount(quantity) -> float:
    value = quantity.demand() if quantity is not None else None
    return float(value or 0.0)


def needs(component) -> dict[str, float]:
    """What a component (or a cloud's member template) books on its host: cores, memory, storage."""
    if isinstance(component, Cloud):
        component = component.template
    if isinstance(component, Node):
        return {"cores": _amount(component.cores) or 1.0, "memory": _amount(component.memory),
                "storage": _amount(component.storage)}
    if isinstance(component, Router):
        return {"cores": _amount(component.cores) or 1.0, "memory": _amount(component.memory), "storage": 0.0}
    if isinstance(component, Storage):
        return {"cores": 0.0, "memory": 0.0, "storage": _amount(component.size)}
    return {"cores": 0.0, "memory": 0.0, "storage": 0.0}


def _model_of(vxis: list[Infrastructure], vxi_id: str, component_id: str):
    vxi = next((v for v in vxis if v.id == vxi_id), None)
    if vxi is None:
        return None
    return vxi.components.get(component_id.split("#", 1)[0])


def _site_ok(substrate: Substrate, location: str | None, host) -> bool:
    if not location:
        return True
    sites = {h.site for h in substrate.hosts.values()}
    return host.site == location if location in sites else host.id == location


def host_choices(record, substrate: Substrate, vxis: list[Infrastructure], component: str,
                 now: float | None = None) -> list[HostChoice]:
    """Every host of the substrate, in substrate order, saying whether `component` (a record key) fits there."""
    moving = record.find(component)
    model = _model_of(vxis, moving.vxi, moving.id)
    wanted = needs(model) if model is not None else {"cores": 0.0, "memory": 0.0, "storage": 0.0}
    now = time.time() if now is None else now
    used: dict[str, dict[str, float]] = {}
    for comp in record.components.values():
        other = _model_of(vxis, comp.vxi, comp.id)
        booked = used.setdefault(comp.host, {"cores": 0.0, "memory": 0.0, "storage": 0.0})
        for dim, value in (needs(other) if other is not None else {}).items():
            booked[dim] += value
    choices = []
    for host in substrate.hosts.values():
        booked = used.get(host.id, {"cores": 0.0, "memory": 0.0, "storage": 0.0})
        left = {dim: (_amount(getattr(host, dim)) - booked[dim]) if getattr(host, dim) is not None else None
                for dim, _, _ in DIMENSIONS}
        free = ", ".join(f"{U.human(kind, value)} {word}" for dim, kind, word in DIMENSIONS
                         if (value := left[dim]) is not None and dim != "storage")
        reason = ""
        window = host.availability.window() if host.availability else None
        if host.id == moving.host:
            reason = "it runs there now"
        elif window is not None and not (window[0] <= now <= window[1]):
            reason = "not available now (outside its availability window)"
        elif model is not None and not _site_ok(substrate, getattr(model, "location", None), host):
            reason = f"{moving.id} is anchored at '{model.location}', this host is at '{host.site}'"
        else:
            for dim, kind, word in DIMENSIONS:
                if wanted[dim] and left[dim] is not None and wanted[dim] > left[dim] + 1e-9:
                    reason = (f"needs {U.human(kind, wanted[dim])} {word}, only "
                              f"{U.human(kind, max(left[dim], 0.0))} left")
                    break
        choices.append(HostChoice(host.id, not reason, reason, free))
    return choices
