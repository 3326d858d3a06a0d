"""Units of VXDL quantities and their factors to SI base units (bit/s, s, bytes, Hz)."""

from __future__ import annotations

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


# Spellings people type for a rate or a size, beyond VXDL's own units: '100Mbps', '100 Mbit/s', '100M', '1.5 GB'.
_PREFIX = {"": 0, "k": 1, "K": 1, "M": 2, "G": 3, "T": 4}
_RATE_SUFFIXES = ("bps", "bit/s", "b/s", "bits/s", "")
_SIZE_SUFFIXES = {"B": 2.0**10, "iB": 2.0**10, "": 2.0**10}  # sizes are binary, as VXDL's (1 GB = 2**30 bytes)


_EXAMPLES = {BANDWIDTH: "a rate such as 100Mbps, 100 Mbit/s or 100M", SIZE: "a size such as 1.5 GB, 512MiB or 2G"}


def _split_number(kind: str, text: str) -> tuple[float, str]:
    value = text.strip()
    end = len(value)
    while end and not (value[end - 1].isdigit() or value[end - 1] == "."):
        end -= 1
    number, unit = value[:end].strip(), value[end:].strip()
    try:
        return float(number), unit
    except ValueError:
        raise UnitError(f"'{text}' is not {_EXAMPLES.get(kind, 'a number with a unit')}") from None


def parse_quantity(kind: str, text: str) -> float:
    """A typed rate or size in SI base units (bit/s, bytes): every VXDL unit ('100Mbps', '1.5 GB'), plus
    '100 Mbit/s', '100M', '1G', '10 kb/s', '2GiB'; a bare number is in base units. Rates are decimal (1 kbit/s =
    1000 bit/s), sizes binary (1 GB = 2**30 bytes). Raises UnitError with a sentence."""
    value, unit = _split_number(kind, text)
    if kind in UNITS and unit in UNITS[kind] and unit:
        return value * UNITS[kind][unit]
    if kind == BANDWIDTH:
        for suffix in _RATE_SUFFIXES:
            if unit.endswith(suffix) and unit[:len(unit) - len(suffix)] in _PREFIX:
                return value * 1000.0 ** _PREFIX[unit[:len(unit) - len(suffix)]]
        raise UnitError(f"'{text}' is not {_EXAMPLES[BANDWIDTH]}")
    if kind == SIZE:
        for suffix, base in _SIZE_SUFFIXES.items():
            if unit.endswith(suffix) and unit[:len(unit) - len(suffix)] in _PREFIX:
                return value * base ** _PREFIX[unit[:len(unit) - len(suffix)]]
        raise UnitError(f"'{text}' is not {_EXAMPLES[SIZE]}")
    if kind in UNITS:
        return to_si(kind, value, unit or None)
    raise UnitError(f"unknown kind of quantity {kind!r}")
