"""An editor for one VXDL quantity: a shape (=, ≥, ≤, range, set, scale), numbers and a unit.

Public API:
    QuantityEdit(kind: str, default_shape: str = "=", optional: bool = True, parent=None)
        set_values(values: list[Quantity | None], blank="not set")   the selected items' values ("various" when
                                                     they differ; `blank` is the placeholder when unset)
        revert()                                     show the last values again (Esc drops what was typed)
        set_accessible_label(label)                  names the number fields, unit and constraint for screen readers
        number_edits: tuple[QLineEdit, QLineEdit, QLineEdit]   value/min/list, max, step
        unit_combo: QComboBox (hidden for counts), shape_combo: QComboBox
        signal committed(object)   a Quantity in SI units (or None when cleared), only when valid
        signal refused(str)        why the typed text was not taken (not a number, negative, min > max)
    parse_quantity(kind, shape_label, texts, unit, event=None) -> Quantity | None  (raises ValueError); a number
        may carry its unit ("2 Gbps", "100Mbps", "250 ms"), read by backend.model.units.parse_amount
"""

from __future__ import annotations

import dataclasses
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from backend.model import Quantity, units
from backend.model.quantity import INTERVAL, SCALE, SET, SIMPLE

SHAPE_LABELS = ("=", "≥", "≤", "range", "set", "scale")
_SHAPE_TIPS = {"=": "exactly", "≥": "at least", "≤": "at most", "range": "between a minimum and a maximum",
               "set": "one of a comma-separated list", "scale": "from a minimum to a maximum in steps"}
_FIELDS_SHOWN = {"=": 1, "≥": 1, "≤": 1, "range": 2, "set": 1, "scale": 3}


def shape_label(q: Quantity | None, default: str) -> str:
    """The editor's shape label for a quantity."""
    if q is None:
        return default
    if q.shape == SIMPLE:
        return "="
    if q.shape == SET:
        return "set"
    if q.shape == SCALE:
        return "scale"
    if q.min is not None and q.max is not None:
        return "range"
    return "≥" if q.min is not None else "≤"


def _text(kind: str, value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    return f"{units.from_si(kind, value, unit):.10g}"


def _amount(kind: str, text: str) -> tuple[float, str | None]:
    """The number typed and its unit when one was typed ('2 Gbps', '100Mbps', '250 ms'), read by the model's
    own unit parser; ValueError with a sentence when it is not a valid amount of `kind`."""
    try:
        value, unit = units.parse_amount(kind, text)
    except units.UnitError:
        typed = re.sub(r"^\s*[-+]?[\d.]+(?:[eE][-+]?\d+)?\s*", "", text).strip()
        known = ", ".join(u for u in units.PREFERRED_UNITS[kind] if u)
        raise ValueError(f"'{typed}' is not a unit of {kind}" + (f" ({known}, …)" if known else "")) from None
    except ValueError:
        raise ValueError(f"'{text.strip()}' is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"'{text.strip()}' is not a number")
    if value < 0:
        raise ValueError(f"a {kind} must not be negative ({text.strip()})")
    if kind == units.COUNT and not value.is_integer():
        raise ValueError(f"a count must be a whole number ({text.strip()})")
    return value, unit


def typed_unit(kind: str, texts: list[str]) -> str | None:
    """The first unit typed in any of the texts (None when none was), ignoring texts that do not read."""
    for text in texts:
        for part in text.split(","):
            try:
                unit = units.parse_amount(kind, part)[1] if part.strip() else None
            except ValueError:
                continue
            if unit:
                return unit
    return None


def parse_quantity(kind: str, shape: str, texts: list[str], unit: str | None,
                   event: str | None = None) -> Quantity | None:
    """The Quantity (SI) that the typed texts describe; None when all are blank. ValueError if invalid.

    A number may carry its own unit ("2 Gbps"); numbers without one take the first unit typed, else `unit`,
    and the quantity keeps the first unit typed (else `unit`) for writing."""
    shown = [t.strip() for t in texts[:_FIELDS_SHOWN[shape]]]
    if not any(shown):
        return None
    unit = typed_unit(kind, shown) or unit or None
    unit_name = unit if kind != units.COUNT else None

    def si(text: str) -> float | None:
        if not text:
            return None
        value, own = _amount(kind, text)
        return units.to_si(kind, value, own or unit)

    if shape == "set":
        values = tuple(si(part.strip()) for part in shown[0].split(",") if part.strip())
        return Quantity(kind, SET, values=values, unit=unit_name, event=event)
    if shape == "=":
        return Quantity(kind, SIMPLE, value=si(shown[0]), unit=unit_name, event=event)
    if shape == "≥":
        return Quantity(kind, INTERVAL, min=si(shown[0]), unit=unit_name, event=event)
    if shape == "≤":
        return Quantity(kind, INTERVAL, max=si(shown[0]), unit=unit_name, event=event)
    low, high = si(shown[0]), si(shown[1])
    if low is not None and high is not None and low > high:
        raise ValueError(f"the minimum ({shown[0]}) is above the maximum ({shown[1]})")
    if shape == "range":
        return Quantity(kind, INTERVAL, min=low, max=high, unit=unit_name, event=event)
    step = si(shown[2]) if len(shown) > 2 else None
    if low is None or high is None or not step:
        raise ValueError("a scale needs a minimum, a maximum and a step above zero")
    return Quantity(kind, SCALE, min=low, max=high, step=step, unit=unit_name, event=event)


class QuantityEdit(QWidget):
    """Shape combo, up to three number fields and a unit; commits a Quantity on Enter or focus-out."""

    committed = Signal(object)
    refused = Signal(str)

    def __init__(self, kind: str, default_shape: str = "=", optional: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.default_shape = default_shape
        self.optional = optional
        self._event: str | None = None
        self.shape_combo = QComboBox()
        for label in SHAPE_LABELS:
            self.shape_combo.addItem(label)
            self.shape_combo.setItemData(self.shape_combo.count() - 1, _SHAPE_TIPS[label],
                                         Qt.ItemDataRole.ToolTipRole)
        self.shape_combo.setToolTip("How the value is constrained")
        self.shape_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.number_edits = (QLineEdit(), QLineEdit(), QLineEdit())
        self._separators = (QLabel("–"), QLabel("step"))
        self.unit_combo = QComboBox()
        self.unit_combo.addItems(units.PREFERRED_UNITS[kind])
        self.unit_combo.setToolTip(f"Unit of the {kind}")
        self.unit_combo.setMinimumWidth(self.unit_combo.fontMetrics().horizontalAdvance("Mbps") + 34)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.shape_combo)
        layout.addWidget(self.number_edits[0], 1)
        layout.addWidget(self._separators[0])
        layout.addWidget(self.number_edits[1], 1)
        layout.addWidget(self._separators[1])
        layout.addWidget(self.number_edits[2], 1)
        layout.addWidget(self.unit_combo)
        self.unit_combo.setVisible(kind != units.COUNT)  # once in the layout (a parentless widget shown is a window)
        for edit in self.number_edits:
            edit.setMinimumWidth(40)
            edit.setFixedHeight(edit.sizeHint().height())  # the red frame of a refusal never changes the height
            edit.editingFinished.connect(self._commit)
        self.unit_combo.activated.connect(lambda _i: self._commit())
        self.shape_combo.activated.connect(lambda _i: self._shape_changed())
        self._count_unit: str | None = ""
        self._values: list[Quantity | None] = []
        self._blank = "not set"
        self._set_shape(default_shape)
        self._shown_state: tuple = self._state()

    # ----- public -----
    def set_values(self, values: list[Quantity | None], blank: str = "not set") -> None:
        """Show the selected items' value, or blank 'various' fields when they differ; `blank` reads when unset."""
        self._values, self._blank = list(values), blank
        first = values[0] if values else None
        mixed = any(v != first for v in values[1:])
        self._event = None if mixed or first is None else first.event
        self._count_unit = first.unit if first is not None and not mixed else ""  # counts keep "" or None
        self._display(None if mixed else first, mixed, blank)
        self.set_invalid(False)
        self._shown_state = self._state()

    def revert(self) -> None:
        """Show the values given last again, dropping what was typed since (Esc)."""
        self.set_values(self._values, self._blank)

    def set_accessible_label(self, label: str) -> None:
        """Name the parts for assistive technology after the field's label ("Memory", "Memory unit", ...)."""
        self.setAccessibleName(label)
        for edit, name in zip(self.number_edits, (label, f"{label} maximum", f"{label} step"), strict=True):
            edit.setAccessibleName(name)
        self.unit_combo.setAccessibleName(f"{label} unit")
        self.shape_combo.setAccessibleName(f"{label} constraint")

    def _display(self, shown: Quantity | None, mixed: bool, blank: str) -> None:
        """Show one quantity (None: blank fields) in its own unit."""
        self._set_shape(shape_label(shown, self.default_shape))
        unit = shown.unit if shown is not None else None
        self._set_unit(unit if unit is not None and self.kind != units.COUNT else self._default_unit())
        unit = self.unit_combo.currentText()
        texts = ["", "", ""]
        if shown is not None:
            if shown.shape == SIMPLE:
                texts[0] = _text(self.kind, shown.value, unit)
            elif shown.shape == SET:
                texts[0] = ", ".join(_text(self.kind, v, unit) for v in shown.values)
            else:
                label = shape_label(shown, self.default_shape)
                texts[0] = _text(self.kind, shown.max if label == "≤" else shown.min, unit)
                texts[1] = _text(self.kind, shown.max, unit) if label in ("range", "scale") else ""
                texts[2] = _text(self.kind, shown.step, unit)
        for edit, text, hint in zip(self.number_edits, texts, (blank, "max", "step"), strict=True):
            edit.setText(text)
            edit.setPlaceholderText("various" if mixed else hint)

    def set_invalid(self, invalid: bool) -> None:
        """Mark the number fields as refused (a red frame) or clear the mark."""
        for edit in self.number_edits:
            edit.setProperty("invalid", invalid)
            edit.setStyleSheet("QLineEdit { border: 2px solid #d32f2f; }" if invalid else "")

    def value(self) -> Quantity | None:
        """The quantity typed now (ValueError when the text is invalid); a number may carry its unit."""
        texts = [e.text() for e in self.number_edits]
        value = parse_quantity(self.kind, self.shape_combo.currentText(), texts, self._unit(), self._event)
        if value is not None and self.kind == units.COUNT:
            value = dataclasses.replace(value, unit=self._count_unit)
        return value

    # ----- internals -----
    def _state(self) -> tuple:
        """What the user sees: shape, the visible texts and the unit (to tell a real change)."""
        shape = self.shape_combo.currentText()
        texts = tuple(e.text().strip() for e in self.number_edits[:_FIELDS_SHOWN[shape]])
        return (shape, texts, self._unit())

    def _default_unit(self) -> str:
        return units.DEFAULT_UNIT[self.kind]

    def _unit(self) -> str | None:
        return None if self.kind == units.COUNT else self.unit_combo.currentText()

    def _set_unit(self, unit: str) -> None:
        if self.unit_combo.findText(unit) < 0:
            self.unit_combo.addItem(unit)
        self.unit_combo.setCurrentIndex(self.unit_combo.findText(unit))

    def _set_shape(self, label: str) -> None:
        self.shape_combo.setCurrentIndex(SHAPE_LABELS.index(label))
        count = _FIELDS_SHOWN[label]
        self.number_edits[1].setVisible(count >= 2)
        self._separators[0].setVisible(count >= 2)
        self.number_edits[2].setVisible(count >= 3)
        self._separators[1].setVisible(count >= 3)
        hint = {"set": "e.g. 1, 2, 4", "range": "min", "scale": "min"}.get(label, "")
        self.number_edits[0].setToolTip(hint or _SHAPE_TIPS[label])

    def _shape_changed(self) -> None:
        self._set_shape(self.shape_combo.currentText())
        self._commit()

    def _commit(self) -> None:
        try:
            value = self.value()
        except ValueError as error:
            self.set_invalid(True)
            self.refused.emit(str(error))
            return
        self.set_invalid(False)
        if value is None and not self.optional:
            self.set_invalid(True)
            self.refused.emit(f"a {self.kind} is required here")
            return
        if value is not None and typed_unit(self.kind, [e.text() for e in self.number_edits]):
            self._display(value, False, self._blank)  # "2 Gbps" typed: 2 in the field, Gbps in the list
        if self._state() == self._shown_state:
            return
        self._shown_state = self._state()
        self.committed.emit(value)
