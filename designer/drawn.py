"""The components of a picture-only scene (`designer/picture.py`) as columns: a `DrawnComponent` is made when asked
for a row and not kept, as a picture's links are (`items.link.DrawnLink`). What each component has of its own is a
row of numbers (x, y, reach: the spatial index's), one byte of state (its badge, whether its port markers were
made) and, for a router, its ports; its label is kept once made (20,000 `DrawnComponent` objects kept with the
index's map of them took 4 MB, 3 times the file of 20,000 bare nodes)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
from PySide6.QtCore import QPointF

from backend.model import Cloud, Router
from backend.model.shared import EMPTY_DICT, EMPTY_LIST
from backend.vxdl.kept import badge_severity
from designer.items.component import ComponentItem
from designer.items.label import LabelHolder
from designer.spatial import RowObject

NO_PORTS: frozenset[str] = frozenset()
BADGE_MADE, PORTS_MADE = 1, 4  # state bits; the badge's severity in the two bits above BADGE_MADE
_SEVERITIES = ("", "warning", "error")  # shown by a made badge, by (state >> 1) & 3
_CODE = {severity: code for code, severity in enumerate(_SEVERITIES)}


class DrawnComponents(Mapping):
    """A picture's components by id (the scene's `components`): each a DrawnComponent made when asked. `numbers`
    is (x, y, reach) per row, in the model's order (the spatial index's rows); `state` a byte per row."""

    def __init__(self, design, ids: list[str], numbers: np.ndarray) -> None:
        self.design, self.ids, self.numbers = design, ids, numbers
        self._rows: dict[str, int] | None = None
        self.state = np.zeros(len(ids), dtype=np.uint8)
        self.ports: dict[int, list] = {}  # a router's row: [port names, their slots, the ports used]
        self.labels: dict[int, object] = {}  # a row: its label, once made

    @property
    def rows(self) -> dict[str, int]:
        """The row of each id, made when first asked (the links' ends, while the picture is built)."""
        if self._rows is None:
            self._rows = {ident: row for row, ident in enumerate(self.ids)}
        return self._rows

    def forget_rows(self) -> None:
        """Drop the rows by id (1 MB for 20,000 components): a picture built asks for a component by id seldom."""
        self._rows = None

    def values(self) -> Iterator[DrawnComponent]:
        """Each component, in the rows' order."""
        return (DrawnComponent(self.design, row) for row in range(len(self.ids)))

    def __getitem__(self, ident: str) -> DrawnComponent:
        return DrawnComponent(self.design, self.rows[ident])

    def get(self, ident: str, default=None):
        row = self.rows.get(ident)
        return default if row is None else DrawnComponent(self.design, row)

    def __contains__(self, ident) -> bool:
        return ident in self.rows

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def routers(self) -> list[int]:
        """Rows of the routers with ports."""
        return [row for row, comp in enumerate(self.design.model.components.values())
                if isinstance(comp, Router) and comp.ports]

    def places(self) -> Places:
        """Each component's (x, y) by id (what the scene's links are drawn between)."""
        return Places(self)

    def made(self) -> np.ndarray:
        """Rows whose port markers or badge were made (they count in the picture's bounds)."""
        return np.flatnonzero(self.state)


class Places:
    """(x, y) of a picture's components by id, from their rows."""

    def __init__(self, columns: DrawnComponents) -> None:
        self.columns = columns

    def __getitem__(self, ident: str) -> list[float]:
        return self.columns.numbers[self.columns.rows[ident], :2].tolist()


class DrawnBadge:
    """The problem badge of a drawn component: what `BadgeItem.set_problems` keeps, its severity."""

    __slots__ = ("owner",)

    def __init__(self, owner: DrawnComponent) -> None:
        self.owner = owner

    def set_problems(self, problems: list, severity: str | None = None) -> None:
        """Show `severity`, else the worst of `problems` (hidden when there is none)."""
        severity = badge_severity(problems) if severity is None else severity
        self.owner.design.component_layer.changing()
        self.owner.severity = severity


class DrawnComponent(RowObject):
    """A component of a picture-only scene, made for its row when asked: where it is, its router ports, its badge
    and label (ComponentItem's interface as far as the scene, the label layout and the drawing use it)."""

    __slots__ = ()
    label_bold_first = True
    _ports = None  # never a port item: the layer draws the markers

    @property
    def ident(self) -> str:
        return self.design.components.ids[self.row]

    @property
    def x(self) -> float:
        return float(self.design.components.numbers[self.row, 0])

    @property
    def y(self) -> float:
        return float(self.design.components.numbers[self.row, 1])

    def component(self):
        """The model object drawn."""
        return self.design.model.components[self.ident]

    @property
    def kind(self) -> str:
        return self.component().kind

    @property
    def provisioned(self) -> bool:
        return bool(getattr(self.component(), "provisioned", False))

    @property
    def cardinality(self) -> int:
        comp = self.component()
        return comp.cardinality if isinstance(comp, Cloud) else 0

    def _router(self) -> list | None:
        """[port names, slots, used] of a router with ports, made when first asked; None for another component."""
        columns = self.design.components
        ports = columns.ports.get(self.row)
        if ports is None:
            comp = self.component()
            if not isinstance(comp, Router) or not comp.ports:
                return None
            names = list(comp.ports)
            ports = columns.ports[self.row] = [names, {name: i for i, name in enumerate(names)}, NO_PORTS]
        return ports

    @property
    def port_names(self) -> list[str]:
        ports = self._router()
        return EMPTY_LIST if ports is None else ports[0]

    @property
    def port_slots(self) -> dict[str, int]:
        ports = self._router()
        return EMPTY_DICT if ports is None else ports[1]

    @port_slots.setter
    def port_slots(self, slots: dict[str, int]) -> None:
        self._router()[1] = slots

    @property
    def used(self) -> frozenset[str] | set[str]:
        ports = self._router()
        return NO_PORTS if ports is None else ports[2]

    @used.setter
    def used(self, used: set[str]) -> None:
        self._router()[2] = used

    @property
    def ports_made(self) -> bool:
        return bool(self.design.components.state[self.row] & PORTS_MADE)

    @property
    def severity(self) -> str | None:
        """None: no badge made; "": made, hidden; else the severity it shows."""
        state = int(self.design.components.state[self.row])
        return _SEVERITIES[state >> 1 & 3] if state & BADGE_MADE else None

    @severity.setter
    def severity(self, severity: str) -> None:
        state = self.design.components.state
        state[self.row] = (int(state[self.row]) & PORTS_MADE) | BADGE_MADE | _CODE[severity] << 1

    def pos(self) -> QPointF:
        """Where it is (its centre)."""
        return QPointF(self.x, self.y)

    def isSelected(self) -> bool:
        """A picture selects nothing."""
        return False

    def scene(self):
        """The scene it is drawn in."""
        return self.design

    @property
    def badge(self) -> DrawnBadge:
        """Its problem badge (made now: it then counts in the picture's bounds, as a badge item would)."""
        if self.severity is None:
            self.design.component_layer.changing()
            self.severity = ""
        return DrawnBadge(self)

    @property
    def ports(self) -> dict:
        """Its port markers are made (drawn by the layer when the scene shows ports); no item is."""
        if self.port_names and not self.ports_made:
            self.design.component_layer.changing()
            self.design.components.state[self.row] |= PORTS_MADE
        return {}

    def has_ports(self) -> bool:
        """Whether its port markers were made."""
        return self.ports_made

    reach = ComponentItem.reach
    label_lines = ComponentItem.label_lines
    tooltip_text = ComponentItem.tooltip_text
    layout_ports = ComponentItem.layout_ports
    refresh_port_use = ComponentItem.refresh_port_use
    port_position = ComponentItem.port_position
    port_xy = ComponentItem.port_xy
    label_size = LabelHolder.label_size
    has_label = LabelHolder.has_label

    @property
    def _label(self):
        return self.design.components.labels.get(self.row)

    @property
    def label(self):
        """Its label (drawn by the scene's label layer), made now if it was not yet."""
        labels = self.design.components.labels
        label = labels.get(self.row)
        if label is None:
            label = labels[self.row] = self.design.label_layer.new_label(self.label_lines(), bold_first=True)
        return label
