"""A file that stat calls regular but that refuses to be read (/proc/self/mem answers EIO) is one line naming it,
exit 2: the readings a piece at a time (VXDL, imports, a mapping's first bytes) let the OSError through (exit 3,
"internal error")."""

import pytest

from tests.vxdl.helpers import EXAMPLES, vxi

SUBSTRATE, REQUEST = str(EXAMPLES / "figure1-substrate.vxdl"), str(EXAMPLES / "figure1-vxi1.vxdl")
MEM = "/proc/self/mem"


@pytest.mark.parametrize("argv", [
    ["validate", MEM], ["show", MEM], ["embed", MEM, REQUEST], ["embed", SUBSTRATE, MEM],
    ["replan", "--remove-host", "h1", SUBSTRATE, MEM], ["convert", "--from", "vxdl", MEM, "{tmp}/out.graphml"],
])
def test_a_regular_file_that_cannot_be_read_is_one_line_exit_2(tmp_path, argv):
    done = vxi(*(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().endswith(f"{MEM}: cannot be read: input/output error"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.graphml").exists()
