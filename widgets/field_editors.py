"""Small editors for the inspector: text, choice, check box, count, lease, tags and router ports.

Every editor has `set_values(values: list)` (the selected items' current values; shown blank as
"various" when they differ), a `committed(object)` signal carrying the new value once it is valid
and differs from what was shown, and a `refused(str)` signal with the reason when the input is invalid.

Public API:
    TextEdit(optional=True, placeholder="")          value: str | None (blank gives None when optional)
    ChoiceEdit(choices, editable=False)              value: str | None ("" item gives None)
    CheckEdit(text)                                  value: bool
    CountEdit(minimum=0, maximum=1_000_000)          value: int
    LeaseEdit()                                      value: (start | KEEP, duration | KEEP); KEEP marks a part
                                                     left untouched while the selected items differ there
    TagsEdit()                                       value: list[Tag] from "key=value, key2=value2"
    PortsEdit()                                      value: list[str] of router port names (count + names)
    ParsedEdit(parse, show, placeholder="", optional=True)   value: parse(text), or None when blank
    DateEdit(), DurationEdit(), NamesEdit()          ParsedEdits of a UTC date, a duration (4h), a list of names
    parse_start(text) -> datetime | None, parse_seconds(text) -> float | None   (raise ValueError)
    parse_offset(text) -> float (+1h, 0), format_span(seconds) -> "1h 30min", format_start(datetime) -> str
Every editor has set_accessible_label(label): its inputs are named after the field's label.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QSpinBox, QWidget

from backend.model import Tag
from backend.model.timing import format_duration, parse_datetime, parse_duration

KEEP = object()  # a lease part left as each item has it
_INVALID_STYLE = "border: 2px solid #d32f2f;"
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|min|m|s)?", re.IGNORECASE)
_SPAN_SECONDS = {"d": 86400, "h": 3600, "min": 60, "m": 60, "s": 1, None: 1}


def _common(values: list) -> tuple[object, bool]:
    first = values[0] if values else None
    return first, any(v != first for v in values[1:])


def parse_start(text: str) -> datetime | None:
    """A start date typed as 2026-12-01 09:00 or 2026-12-01T09:00:00Z (UTC unless a zone is given)."""
    text = text.strip()
    if not text:
        return None
    try:
        return parse_datetime(text.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"'{text}' is not a date such as 2026-12-01 09:00") from None


def parse_seconds(text: str) -> float | None:
    """A duration typed as PT4H, 4h, 1d 2h, 90min, 90m or 3600 (seconds); None when blank."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("-"):
        raise ValueError(f"a duration must not be negative ({text})")
    if text.upper().startswith("P"):
        seconds = parse_duration(text.upper())
    else:
        pieces = _SPAN.findall(text)
        if not pieces or _SPAN.sub("", text).strip():
            raise ValueError(f"'{text}' is not a duration such as 4h, 90min or PT4H")
        seconds = sum(float(number) * _SPAN_SECONDS[(unit or "").lower() or None] for number, unit in pieces)
    if seconds <= 0:
        raise ValueError("a duration must be longer than zero")
    return seconds


def parse_offset(text: str) -> float:
    """A moment after the lease's start typed as +1h, 1h, 90min, 0 or PT1H (seconds; zero allowed)."""
    text = text.strip().removeprefix("+").strip()
    if text in ("0", "0s", "0h", "0min", "PT0S"):
        return 0.0
    value = parse_seconds(text)
    if value is None:
        raise ValueError("give a time after the start, such as +1h or 90min")
    return value


def format_span(seconds: float | None) -> str:
    """A duration as people write it: 4h, 1d 2h, 1h 30min, 45s (what parse_seconds reads back)."""
    if seconds is None:
        return ""
    rest = round(float(seconds), 3)
    parts = []
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{int(count)}{unit}")
    if rest or not parts:
        parts.append(f"{rest:g}s")
    return " ".join(parts)


def format_start(value: datetime | None) -> str:
    """A start date as the editor shows it, in UTC."""
    if value is None:
        return ""
    try:
        value = value.astimezone(timezone.utc) if value.tzinfo else value
    except OverflowError:  # before year 1 or after 9999 in UTC (0001-01-01T00:00:00+14:00): shown as written
        return value.isoformat(" ", "minutes")
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


class _Editor(QWidget):
    committed = Signal(object)
    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: object = None
        self._mixed = False
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(3)

    def set_accessible_label(self, label: str) -> None:
        """Name the editor and its input for assistive technology after the field's label."""
        self.setAccessibleName(label)
        for widget in self._inputs():
            widget.setAccessibleName(label)

    def _inputs(self) -> list[QWidget]:
        """The widgets a person types or clicks in."""
        return []

    def _offer(self, value: object) -> None:
        """Commit `value` unless it is what is already shown."""
        if not self._mixed and value == self._shown:
            return
        self._shown, self._mixed = value, False
        self.committed.emit(value)

    def _refuse(self, widget: QWidget, message: str) -> None:
        widget.setFixedHeight(widget.height() or widget.sizeHint().height())  # the red frame keeps the height
        widget.setStyleSheet(_INVALID_STYLE)
        self.refused.emit(message)

    @staticmethod
    def _accept(widget: QWidget) -> None:
        widget.setStyleSheet("")


class TextEdit(_Editor):
    """A line of text; blank means not set."""

    def __init__(self, optional: bool = True, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optional = optional
        self.placeholder = placeholder
        self.line = QLineEdit()
        self.line.setPlaceholderText(placeholder)
        self.line.editingFinished.connect(self._commit)
        self.layout_.addWidget(self.line)

    def _inputs(self) -> list[QWidget]:
        return [self.line]

    def set_values(self, values: list) -> None:
        """Show the common text or 'various'."""
        self._shown, self._mixed = _common(values)
        self.line.setText("" if self._mixed or self._shown is None else str(self._shown))
        self.line.setPlaceholderText("various" if self._mixed else self.placeholder)
        self._accept(self.line)

    def _commit(self) -> None:
        text = self.line.text().strip()
        if not text and self._mixed:
            return
        if not text and not self.optional:
            self._refuse(self.line, "this field cannot be empty")
            return
        self._accept(self.line)
        self._offer(text or None)


class ChoiceEdit(_Editor):
    """A combo box of choices (editable for free text); the empty entry means not set."""

    def __init__(self, choices: list[str], editable: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setEditable(editable)
        self.combo.addItems(["", *choices])
        self.combo.activated.connect(lambda _i: self._commit())
        if editable:
            self.combo.lineEdit().editingFinished.connect(self._commit)
        self.layout_.addWidget(self.combo, 1)

    def _inputs(self) -> list[QWidget]:
        return [self.combo]

    def set_values(self, values: list) -> None:
        """Select the common choice, or the empty entry when they differ."""
        self._shown, self._mixed = _common(values)
        text = "" if self._mixed or self._shown is None else str(self._shown)
        if self.combo.findText(text) < 0:
            self.combo.addItem(text)
        self.combo.setCurrentIndex(self.combo.findText(text))
        if self.combo.isEditable():
            self.combo.lineEdit().setPlaceholderText("various" if self._mixed else "")

    def _commit(self) -> None:
        text = self.combo.currentText().strip()
        if not text and self._mixed:
            return
        self._offer(text or None)


class CheckEdit(_Editor):
    """A check box; partly checked while the selected items differ."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QCheckBox(text)
        self.box.clicked.connect(self._commit)
        self.layout_.addWidget(self.box)
        self.layout_.addStretch(1)

    def _inputs(self) -> list[QWidget]:
        return [self.box]

    def set_values(self, values: list) -> None:
        """Check, uncheck, or show partly checked for differing items."""
        self._shown, self._mixed = _common(values)
        self.box.setTristate(self._mixed)
        if self._mixed:
            self.box.setCheckState(Qt.CheckState.PartiallyChecked)
        else:
            self.box.setChecked(bool(self._shown))

    def _commit(self) -> None:
        if self.box.isTristate():
            self.box.setTristate(False)
            self.box.setChecked(True)
        self._offer(self.box.isChecked())


class CountEdit(_Editor):
    """A whole number in a spin box; arrows commit at once, typing on Enter or focus-out."""

    def __init__(self, minimum: int = 0, maximum: int = 1_000_000, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.minimum = minimum
        self.spin = QSpinBox()
        self.spin.setRange(minimum, maximum)
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(lambda _v: self._commit())
        self.layout_.addWidget(self.spin)
        self.layout_.addStretch(1)

    def _inputs(self) -> list[QWidget]:
        return [self.spin]

    def set_values(self, values: list) -> None:
        """Show the common count, or 'various'."""
        self._shown, self._mixed = _common(values)
        self.spin.blockSignals(True)
        self.spin.setMinimum(self.minimum - 1 if self._mixed else self.minimum)
        self.spin.setSpecialValueText("various" if self._mixed else "")
        self.spin.setValue(self.minimum - 1 if self._mixed else int(self._shown or 0))
        self.spin.blockSignals(False)

    def _commit(self) -> None:
        if self.spin.value() < self.minimum:
            return
        self.spin.setSpecialValueText("")
        self.spin.setMinimum(self.minimum)
        self._offer(self.spin.value())


class LeaseEdit(_Editor):
    """Start (UTC date) and duration of a lease; blank parts are not set."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start = QLineEdit()
        self.start.setToolTip("Start in UTC, e.g. 2026-12-01 09:00; blank: the infrastructure's start")
        self.duration = QLineEdit()
        self.duration.setToolTip("Duration, e.g. 4h, 1d 2h, 90min or PT4H")
        self.layout_.addWidget(self.start, 3)
        self.layout_.addWidget(self.duration, 2)
        self._parts: tuple = (None, None)
        self._texts = ("", "")
        self._mixed_parts = (False, False)
        self.start.editingFinished.connect(self._commit)
        self.duration.editingFinished.connect(self._commit)

    def set_accessible_label(self, label: str) -> None:
        """"Lease start" and "Lease duration" (after the field's label)."""
        self.setAccessibleName(label)
        self.start.setAccessibleName(f"{label} start")
        self.duration.setAccessibleName(f"{label} duration")

    def set_values(self, values: list, inherited: str = "") -> None:
        """Show the common start and duration of the leases; `inherited` is the placeholder text."""
        starts = [v.start for v in values]
        durations = [v.duration for v in values]
        (start, mixed_start), (duration, mixed_duration) = _common(starts), _common(durations)
        self._parts = (KEEP if mixed_start else start, KEEP if mixed_duration else duration)
        self._mixed_parts = (mixed_start, mixed_duration)
        self.start.setText("" if mixed_start else format_start(start))
        self.duration.setText("" if mixed_duration or duration is None else format_duration(duration))
        self.start.setPlaceholderText("various" if mixed_start else ("as the VXI" if inherited else "start (UTC)"))
        self.start.setToolTip("Start in UTC, e.g. 2026-12-01 09:00; blank: the VXI's start"
                              + (f" ({inherited.removeprefix('VXI lease: ')})" if inherited else ""))
        self.duration.setPlaceholderText("various" if mixed_duration else "duration")
        self._accept(self.start)
        self._accept(self.duration)
        self._texts = self._typed()

    def _typed(self) -> tuple[str, str]:
        return (self.start.text().strip(), self.duration.text().strip())

    def _commit(self) -> None:
        if self._typed() == self._texts:  # nothing retyped (a start's sub-seconds would not survive a round trip)
            self._accept(self.start)
            self._accept(self.duration)
            return
        parts = []
        for widget, parse, mixed in ((self.start, parse_start, self._mixed_parts[0]),
                                     (self.duration, parse_seconds, self._mixed_parts[1])):
            if mixed and not widget.text().strip():
                parts.append(KEEP)
                continue
            try:
                parts.append(parse(widget.text()))
            except ValueError as error:
                self._refuse(widget, str(error))
                return
            self._accept(widget)
        value = tuple(parts)
        self._texts = self._typed()
        if value == self._parts:
            return
        self._parts = value
        self._mixed_parts = (value[0] is KEEP, value[1] is KEEP)
        self.committed.emit(value)


class ParsedEdit(TextEdit):
    """A line of text read by `parse` (a ValueError is a refusal in words) and shown by `show`; blank is None."""

    def __init__(self, parse, show, placeholder: str = "", optional: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(optional=optional, placeholder=placeholder, parent=parent)
        self._parse, self._show = parse, show

    def set_values(self, values: list) -> None:
        """Show the common value as text, or 'various'."""
        super().set_values([None if v is None else self._show(v) for v in values])

    def _commit(self) -> None:
        text = self.line.text().strip()
        if (not text and self._mixed) or (text == (self._shown or "") and not self._mixed):
            self._accept(self.line)
            return
        if not text and not self.optional:
            self._refuse(self.line, "this field cannot be empty")
            return
        try:
            value = self._parse(text) if text else None
        except ValueError as error:
            self._refuse(self.line, str(error))
            return
        self._accept(self.line)
        self._shown, self._mixed = text, False
        self.committed.emit(value)


class DateEdit(ParsedEdit):
    """A date and time in UTC, blank for none."""

    def __init__(self, placeholder: str = "2026-12-01 09:00", parent: QWidget | None = None) -> None:
        super().__init__(parse_start, format_start, placeholder, parent=parent)
        self.line.setToolTip("A date and time in UTC, such as 2026-12-01 09:00 (or 2026-12-01T09:00:00Z)")


class DurationEdit(ParsedEdit):
    """A duration (4h, 1d 2h, 90min, PT4H), blank for none."""

    def __init__(self, placeholder: str = "4h, 1d 2h, 90min", parent: QWidget | None = None) -> None:
        super().__init__(parse_seconds, format_span, placeholder, parent=parent)
        self.line.setToolTip("A duration such as 4h, 1d 2h, 90min, 3600 (seconds) or PT4H")


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class NamesEdit(ParsedEdit):
    """A list of names typed with commas (a VXI's users)."""

    def __init__(self, placeholder: str = "name, name2", parent: QWidget | None = None) -> None:
        super().__init__(_names, lambda names: ", ".join(names) or None, placeholder, parent=parent)


class TagsEdit(TextEdit):
    """Tags typed as key=value, key2=value2."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(optional=True, placeholder="key=value, key2=value2", parent=parent)

    def set_values(self, values: list) -> None:
        """Show the common tags as text."""
        texts = [", ".join(f"{t.key}={t.value}" if t.value else t.key for t in tags) for tags in values]
        super().set_values([t or None for t in texts])

    def _commit(self) -> None:
        text = self.line.text().strip()
        if not text and self._mixed:
            return
        tags = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            if not key.strip():
                self._refuse(self.line, f"the tag '{part}' has no key (write key=value)")
                return
            tags.append(Tag(key.strip(), value.strip()))
        self._accept(self.line)
        shown = self._shown
        self._shown = text or None
        if not self._mixed and shown == self._shown:
            return
        self._mixed = False
        self.committed.emit(tags)


class PortsEdit(_Editor):
    """A router's ports: a count and their names; a larger count adds p<n> names."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count = QSpinBox()
        self.count.setRange(1, 4096)
        self.count.setKeyboardTracking(False)
        self.count.setToolTip("Number of ports")
        self.names = QLineEdit()
        self.names.setToolTip("Port names, separated by commas")
        self.layout_.addWidget(self.count)
        self.layout_.addWidget(self.names, 1)
        self.count.valueChanged.connect(self._count_changed)
        self.names.editingFinished.connect(self._names_changed)

    def set_accessible_label(self, label: str) -> None:
        """The port count and the port names."""
        self.setAccessibleName(label)
        self.count.setAccessibleName(f"Number of {label.lower()}")
        self.names.setAccessibleName(f"{label} names")

    def set_values(self, values: list) -> None:
        """Show the common port list, or 'various'."""
        self._shown, self._mixed = _common([list(v) for v in values])
        self.count.blockSignals(True)
        self.count.setValue(len(self._shown) if not self._mixed and self._shown else 1)
        self.count.setEnabled(not self._mixed)
        self.count.blockSignals(False)
        self.names.setText("" if self._mixed else ", ".join(self._shown or []))
        self.names.setPlaceholderText("various" if self._mixed else "")
        self._accept(self.names)

    def _count_changed(self, count: int) -> None:
        ports = [p.strip() for p in self.names.text().split(",") if p.strip()]
        ports = ports[:count]
        i = 0
        while len(ports) < count:
            if f"p{i}" not in ports:
                ports.append(f"p{i}")
            i += 1
        self.names.setText(", ".join(ports))
        self._names_changed()

    def _names_changed(self) -> None:
        text = self.names.text()
        if not text.strip() and self._mixed:
            return
        ports = [p.strip() for p in text.split(",")]
        if any(not p for p in ports):
            self._refuse(self.names, "a port needs a name (remove the extra comma)")
            return
        duplicates = sorted({p for p in ports if ports.count(p) > 1})
        if duplicates:
            self._refuse(self.names, f"two ports are named '{duplicates[0]}'")
            return
        self._accept(self.names)
        self.count.blockSignals(True)
        self.count.setValue(len(ports))
        self.count.blockSignals(False)
        self._offer(ports)
