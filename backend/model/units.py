"""Units of VXDL quantities and their factors to SI base units (bit/s, s, bytes, Hz)."""

from __future__ import annotations

import re

BANDWIDTH = "bandwidth"
LATENCY = "latency"
SIZE = "size"
FREQUENCY = "frequency"
COUNT = "count"

# Rates are decimal (1 Kbps = 1000 bit/s); sizes are binary (1 GB = 2**30 bytes, as hypervisors count).
UNITS: dict[str, dict[str, float]] = {
    BANDWIDTH: {"bps": 1.0, "Kbps": 1e3, "kbps": 1e3, "Mbps": 1e6, "Gbps": 1e9, "Tbps": 1e12},
    LATENCY: {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0},
    SIZE: {
        "B": 1.0, "KB": 2.0**10, "MB": 2.0**20, "GB": 2.0**30, "TB": 2.0**40,
        "KiB": 2.0**10, "MiB": 2.0**20, "GiB": 2.0**30, "TiB": 2.0**40,
    },
    FREQUENCY: {"Hz": 1.0, "KHz": 1e3, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9},
    COUNT: {"": 1.0},
}

DEFAULT_UNIT = {BANDWIDTH: "Mbps", LATENCY: "ms", SIZE: "MB", FREQUENCY: "GHz", COUNT: ""}

# The units offered first in a user interface, per kind.
PREFERRED_UNITS = {
    BANDWIDTH: ["Kbps", "Mbps", "Gbps"],
    LATENCY: ["us", "ms", "s"],
    SIZE: ["MB", "GB", "TB"],
    FREQUENCY: ["MHz", "GHz"],
    COUNT: [""],
}


class UnitError(ValueError):
    """A unit that VXDL does not know for this kind of quantity."""


def factor(kind: str, unit: str | None) -> float:
    """Factor that turns a value written in `unit` into SI base units."""
    table = UNITS[kind]
    name = DEFAULT_UNIT[kind] if unit is None or unit == "" else unit
    if kind == COUNT and unit:
        raise UnitError(f"a count takes no unit, got {unit!r}")
    if name not in table:
        known = ", ".join(u for u in table if u)
        raise UnitError(f"unknown {kind} unit {unit!r} (known: {known})")
    return table[name]


def to_si(kind: str, value: float, unit: str | None) -> float:
    """Convert `value` in `unit` to SI base units."""
    return value * factor(kind, unit)


def from_si(kind: str, value: float, unit: str | None) -> float:
    """Convert an SI value back to `unit`."""
    return value / factor(kind, unit)


def human(kind: str, value: float | None) -> str:
    """A short readable form of an SI value, e.g. 1.5 Gbit/s, 10 ms, 4 GiB."""
    if value is None:
        return "-"
    if kind == BANDWIDTH:
        steps = [(1e12, "Tbit/s"), (1e9, "Gbit/s"), (1e6, "Mbit/s"), (1e3, "kbit/s"), (1.0, "bit/s")]
    elif kind == LATENCY:
        steps = [(1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")]
    elif kind == SIZE:
        steps = [(2.0**40, "TiB"), (2.0**30, "GiB"), (2.0**20, "MiB"), (2.0**10, "KiB"), (1.0, "B")]
    elif kind == FREQUENCY:
        steps = [(1e9, "GHz"), (1e6, "MHz"), (1e3, "kHz"), (1.0, "Hz")]
    else:
        return format_number(value)
    for scale, name in steps:
        if abs(value) >= scale or scale == steps[-1][0]:
            return f"{format_number(round(value / scale, 3))} {name}"
    return format_number(value)


def format_number(value: float) -> str:
    """Shortest text for a number: integers without a decimal point."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


# Other spellings of the units, as people type them or read them in this program's output (1.5 Gbit/s, 10 µs).
ALIASES: dict[str, dict[str, str]] = {
    BANDWIDTH: {"bit/s": "bps", "b/s": "bps", "bits/s": "bps"},
    LATENCY: {"µs": "us", "μs": "us", "sec": "s"},
    SIZE: {"bytes": "B", "byte": "B"},
    FREQUENCY: {},
    COUNT: {},
}
# A rate or a size may also be written as a prefix with or without a suffix: 100M, 10 kb/s, 2 Gbit/s, 512MiB, 2G.
_PREFIXED = {BANDWIDTH: (("bps", "bit/s", "b/s", "bits/s", ""), {"k": "Kbps", "K": "Kbps", "M": "Mbps",
                                                                 "G": "Gbps", "T": "Tbps"}),
             SIZE: (("B", "iB", ""), {"k": "KB", "K": "KB", "M": "MB", "G": "GB", "T": "TB"})}
_AMOUNT = re.compile(r"^\s*(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<unit>\S.*?)?\s*$")


def unit_named(kind: str, text: str) -> str:
    """The unit of `kind` that `text` names, spelled as in UNITS ('mbps', 'Mbit/s' and 'M' give 'Mbps' for a
    rate; 'GiB' and 'G' give 'GiB' and 'GB' for a size); UnitError for a unit this kind does not have."""
    table = UNITS[kind]
    if text in table and text:
        return text
    aliases = ALIASES.get(kind, {})
    if text in aliases:
        return aliases[text]
    suffixes, prefixes = _PREFIXED.get(kind, ((), {}))
    for suffix in suffixes:
        head = text[:len(text) - len(suffix)] if suffix else text
        if text.endswith(suffix) and head in prefixes:
            return prefixes[head]
    folded = text.casefold()
    for name in (*table, *aliases):
        if name and name.casefold() == folded:
            return aliases.get(name, name)
    known = ", ".join(u for u in table if u)
    raise UnitError(f"unknown {kind} unit {text!r}" + (f" (known: {known})" if known else " (a count takes none)"))


def parse_amount(kind: str, text: str) -> tuple[float, str | None]:
    """A number and an optional unit of `kind` as typed, such as '2 Gbps', '100Mbps', '100 Mbit/s', '1.5 GB' or
    '250 ms': (the number, the unit spelled as in UNITS, or None when none was typed: the caller's default
    applies). ValueError (UnitError for a unit this kind does not have) otherwise."""
    match = _AMOUNT.match(text)
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a number (with an optional unit)")
    unit = match.group("unit")
    return float(match.group("number")), unit_named(kind, unit) if unit else None


_EXAMPLES = {BANDWIDTH: "a rate such as 100Mbps, 100 Mbit/s or 100M", SIZE: "a size such as 1.5 GB, 512MiB or 2G"}


def parse_quantity(kind: str, text: str) -> float:
    """A typed rate or size in SI base units (bit/s, bytes), through parse_amount: every VXDL unit ('100Mbps',
    '1.5 GB') and the spellings people type ('100 Mbit/s', '100M', '2GiB'); a bare number is in base units.
    UnitError with a sentence that quotes the text otherwise."""
    try:
        value, unit = parse_amount(kind, text)
    except ValueError:
        raise UnitError(f"'{text}' is not {_EXAMPLES.get(kind, 'a number with a unit')}") from None
    return value if unit is None else to_si(kind, value, unit)
