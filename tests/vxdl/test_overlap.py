"""A failure of the strict check ends the read at once, whatever it is: a schema that cannot be loaded, a worker
that raises, a worker that is gone. (A reader once waited 17 minutes on a lock instead.) The worker checks
documents read whole (those with problems; the others are checked as they are parsed, stream.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from concurrent.futures import Future

import pytest

from backend.resources import example
from backend.vxdl import overlap
from backend.vxdl.overlap import StrictCheck, StrictCheckError
from backend.vxdl.reader import read_whole

FIGURE4 = example("figure4.vxdl")


def test_a_missing_schema_is_one_sentence_and_no_wait(tmp_path):
    script = textwrap.dedent(f"""
        import backend.vxdl.schema as schema
        schema.schema_dir = lambda: __import__("pathlib").Path({str(tmp_path)!r})
        from backend.cli import main
        raise SystemExit(main(["validate", {str(FIGURE4)!r}]))
    """)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 30
    assert done.returncode == 2
    assert "the VXDL schema cannot be read" in done.stderr and "reinstall vxi-designer" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_error_in_the_worker_reaches_the_reader(monkeypatch):
    def broken(data, schema):
        raise MemoryError("no memory for the check")

    monkeypatch.setattr(overlap, "check_without_tree", broken)
    with pytest.raises(StrictCheckError, match="MemoryError"):
        read_whole(FIGURE4.read_bytes())


def test_even_a_base_exception_in_the_worker_gives_the_reader_an_answer(monkeypatch):
    def exiting(data, schema):
        raise SystemExit(9)

    monkeypatch.setattr(overlap, "check_without_tree", exiting)
    with pytest.raises(StrictCheckError, match="SystemExit"):
        read_whole(FIGURE4.read_bytes())


def test_a_worker_gone_without_an_answer_is_replaced_by_a_check_here(monkeypatch):
    class Gone:
        def is_alive(self):
            return False

    monkeypatch.setattr(overlap, "WORKER_GRACE_S", 0.05)
    never: Future[bool] = Future()
    assert StrictCheck(never, Gone(), lambda: True).result() is True


def test_a_cancelled_check_is_done_here():
    cancelled: Future[bool] = Future()
    cancelled.cancel()
    assert StrictCheck(cancelled, None, lambda: False).result() is False
