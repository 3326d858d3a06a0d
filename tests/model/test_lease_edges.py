"""A lease that ends at the first moment of year 10000 (9999-12-31T20:00:00 for PT4H) is outside years 1 to 9999:
it validated, then `show` and `embed` failed on it with exit 3 (datetime has no year 10000)."""

from backend.model.timing import LAST_MOMENT, format_timestamp
from tests.vxdl.helpers import EXAMPLES, vxi


def test_a_lease_ending_as_year_10000_begins_is_out_of_range_and_said_in_words(tmp_path):
    path = tmp_path / "edge.vxdl"
    path.write_text((EXAMPLES / "figure1-vxi1.vxdl").read_text().replace(
        "<startDate>2026-12-01T08:00:00</startDate>", "<startDate>9999-12-31T20:00:00</startDate>"))
    done = vxi("validate", str(path))
    assert done.returncode == 1 and "lease-out-of-range" in done.stdout, done.stdout + done.stderr
    shown = vxi("show", str(path))
    assert shown.returncode in (0, 1) and "to after year 9999" in shown.stdout, shown.stderr
    embedded = vxi("embed", str(EXAMPLES / "figure1-substrate.vxdl"), str(path))
    assert embedded.returncode in (1, 2) and "internal error" not in embedded.stderr, embedded.stderr
    assert format_timestamp(LAST_MOMENT + 1) == "after year 9999"
    assert format_timestamp(LAST_MOMENT + 0.5).startswith("9999-12-31 23:59:59")
