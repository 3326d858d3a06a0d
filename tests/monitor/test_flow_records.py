"""The flow records of `vxi traffic` (its state folder) are read the one safe way in: a FIFO in place of a record
or of a flow's iperf3 output hung `vxi traffic list`, a symbolic link to /dev/zero read without end."""

import os
import subprocess
import sys
import textwrap

from tests.vxdl.helpers import ROOT

LIST = textwrap.dedent("""
    from backend.monitor import flowbook
    booked = flowbook.flows("dep")
    print(len(booked), [flowbook.status(b)["error"] for b in booked])
""")
RECORD = ('{"id": "f9", "deployment": "dep", "source": "a", "destination": "b", "source_ns": "x", '
          '"destination_ns": "y", "address": "10.0.0.1", "port": 5201, "protocol": "tcp", "rate_bps": 0, '
          '"seconds": 1, "length": 0, "started": 1, "client_pid": 999999999, "server_pid": 999999999}')


def test_special_files_among_the_flow_records_neither_block_nor_read_without_end(tmp_path):
    folder = tmp_path / "traffic" / "dep"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "f1.flow.json")
    (folder / "f2.flow.json").symlink_to("/dev/zero")
    (folder / "f9.flow.json").write_text(RECORD)
    os.mkfifo(folder / "f9.out.json")  # the finished flow's output
    done = subprocess.run([sys.executable, "-c", LIST], capture_output=True, text=True, timeout=30, cwd=ROOT,
                          env={**os.environ, "VXI_STATE_DIR": str(tmp_path)})  # before: blocked on the FIFO
    assert done.returncode == 0, done.stderr
    count, errors = done.stdout.split(" ", 1)
    assert count == "1" and "is a FIFO, not a regular file" in errors
