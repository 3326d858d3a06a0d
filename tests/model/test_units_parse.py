"""One parser for rates and sizes typed by people, shared by the model and the CLI."""

from __future__ import annotations

import pytest

from backend.model.units import BANDWIDTH, SIZE, UnitError, parse_quantity


@pytest.mark.parametrize(("text", "bps"), [
    ("100Mbps", 100e6), ("100 Mbps", 100e6), ("100 Mbit/s", 100e6), ("100M", 100e6), ("1.5G", 1.5e9),
    ("10 kbit/s", 10e3), ("10Kbps", 10e3), ("2 Gb/s", 2e9), ("1e9", 1e9), ("64000", 64e3), ("1Tbps", 1e12)])
def test_rates(text, bps):
    assert parse_quantity(BANDWIDTH, text) == pytest.approx(bps)


@pytest.mark.parametrize(("text", "size"), [
    ("1.5 GB", 1.5 * 2**30), ("512MiB", 512 * 2**20), ("2G", 2 * 2**30), ("4 KB", 4096), ("100", 100)])
def test_sizes_are_binary_as_vxdl_reads_them(text, size):
    assert parse_quantity(SIZE, text) == pytest.approx(size)


@pytest.mark.parametrize(("kind", "text"), [(BANDWIDTH, "fast"), (BANDWIDTH, "1.5 GB"), (SIZE, "100Mbps"),
                                            (BANDWIDTH, "10 furlongs")])
def test_what_is_not_a_quantity_is_refused_in_words(kind, text):
    with pytest.raises(UnitError, match=text):
        parse_quantity(kind, text)
