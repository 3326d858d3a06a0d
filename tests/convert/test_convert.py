"""`vxi convert` between VXDL, GraphML and RSpec: there and back, with what each direction drops listed."""

import pytest

from backend.vxdl import read_file
from tests.vxdl.helpers import EXAMPLES, vxi


@pytest.mark.parametrize("ext", [".graphml", ".rspec"])
def test_convert_there_and_back_lists_what_was_dropped(tmp_path, ext):
    out = tmp_path / f"f1{ext}"
    done = vxi("convert", str(EXAMPLES / "figure1-vxi1.vxdl"), str(out))
    assert done.returncode == 0, done.stderr
    assert "dropped:" in done.stdout
    back = tmp_path / "back.vxdl"
    assert vxi("convert", str(out), str(back)).returncode == 0
    original, again = read_file(EXAMPLES / "figure1-vxi1.vxdl").model, read_file(back).model
    assert set(again.components) == set(original.components)
    assert {(lk.source, lk.destination) for lk in again.links.values()} == {
        (lk.source, lk.destination) for lk in original.links.values()}
    assert again.links["l1"].forward.value == original.links["l1"].forward.value


def test_convert_refuses_an_unknown_extension(tmp_path):
    done = vxi("convert", str(EXAMPLES / "figure4.vxdl"), str(tmp_path / "x.dot"))
    assert done.returncode == 2 and "unknown extension" in done.stderr
