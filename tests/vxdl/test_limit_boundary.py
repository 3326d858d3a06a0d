"""The size limit at its boundary: a file of exactly the limit is read, one byte more is refused in words that
show the difference ("file is 32.0 MiB, over the 32 MiB limit" said nothing: the size is then given in bytes)."""

import os
import subprocess
import sys

from tests.vxdl.helpers import EXAMPLES, ROOT


def validate(path, limit: int, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend.cli", "validate", str(path)], capture_output=True,
                          input=(stdin or b"").decode(), text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "VXI_MAX_BYTES": str(limit)})


def test_a_file_of_the_limit_is_read_and_one_byte_more_is_refused_in_bytes(tmp_path):
    data = (EXAMPLES / "figure1-vxi1.vxdl").read_bytes()
    path = tmp_path / "f.vxdl"
    path.write_bytes(data)
    assert validate(path, len(data)).returncode == 0
    assert validate("-", len(data), data).returncode == 0
    for done in (validate(path, len(data) - 1), validate("-", len(data) - 1, data)):
        assert done.returncode == 2, done.stderr
        assert f"is {len(data):,} bytes, over the 3.6 KiB limit" in done.stderr  # before: "3.6 KiB, over the 3.6 KiB"


def test_nesting_past_the_parsers_depth_is_said_in_the_readers_words(tmp_path):
    """One level past libxml2's 256 (a depth of 255 inside a vNode is read): the message asked for
    XML_PARSE_HUGE, an option no reader of the command can set."""
    text = (EXAMPLES / "figure1-vxi1.vxdl").read_text()
    for depth, code in ((254, 0), (255, 2)):
        path = tmp_path / f"deep{depth}.vxdl"
        path.write_text(text.replace("<location>lyon</location>", "<x:a>" * depth + "</x:a>" * depth, 1))
        done = validate(path, 1 << 20)
        assert done.returncode == code, done.stderr
    assert done.stderr.strip().endswith(":10: not well-formed XML: elements nested more than 256 levels deep")
