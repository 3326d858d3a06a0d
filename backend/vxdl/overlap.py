"""Reading a large file on two cores: the strict XSD check runs in a worker thread (lxml releases the
GIL while libxml2 validates, a parsed tree or the bytes) while the model is built, and the garbage collector
waits for the end.

Every way the check can fail ends in the future the reader waits on, so a failure ends the command instead
of stalling it: the schema is loaded in the calling thread first (a broken installation raises
SchemaUnavailable there, before any thread is involved), the worker turns any exception into the future's
exception, and a worker that cannot be started or that stops without an answer is replaced by a check in the
calling thread."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from lxml import etree

from backend.vxdl.schema import strict_schema
from backend.vxdl.secure import FileReading, check_file_without_tree, check_without_tree, quiet_libxml2_thread

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vxdl-xsd", initializer=quiet_libxml2_thread)
_lock = threading.Lock()  # one validation at a time per schema object
WORKER_GRACE_S = 1.0  # how often a waiting reader looks whether the worker still lives


class StrictCheckError(RuntimeError):
    """The strict check failed for another reason than the document (the worker itself broke)."""


def _strictly_valid(check: Callable[[], bool]) -> bool:
    try:
        with _lock:
            return bool(check())
    except BaseException as exc:  # even SystemExit or KeyboardInterrupt: the waiter gets an answer
        raise StrictCheckError(f"the strict XSD check failed: {type(exc).__name__}: {exc}") from exc


class StrictCheck:
    """The answer to one strict check: `result()` waits for it and never waits for a worker that is gone."""

    def __init__(self, future: Future[bool], worker: threading.Thread | None, redo) -> None:
        self._future, self._worker, self._redo = future, worker, redo

    def failed(self) -> bool:
        """True when the check has already answered that the document did not pass (never waits)."""
        future = self._future
        return future.done() and not future.cancelled() and future.exception() is None and not future.result()

    def result(self) -> bool:
        """True when the document passed; raises StrictCheckError when the check itself broke."""
        while True:
            try:
                return self._future.result(timeout=WORKER_GRACE_S)
            except futures.TimeoutError:  # not the built-in one before Python 3.11
                if self._worker is not None and not self._worker.is_alive() and not self._future.done():
                    return self._redo()  # the worker died without an answer: check here
            except StrictCheckError:
                raise
            except BaseException as exc:  # cancelled by a pool shut down meanwhile, or anything else
                if isinstance(exc, KeyboardInterrupt):
                    raise
                return self._redo()


def check_strict_order(root: etree._Element) -> StrictCheck:
    """Start checking a parsed document against VXDL 2.0's strict XSD; `result()` says whether it passed.
    The tree must not change until then (reading it, and making lxml proxies, is fine)."""
    schema = strict_schema()  # here, in the caller: a missing or broken schema raises SchemaUnavailable now
    return _start(lambda: schema.validate(root))


def check_strict_bytes(data: bytes) -> StrictCheck:
    """Start checking a document's bytes against VXDL 2.0's strict XSD, parsed into no tree (while the reader
    builds the model resource by resource); only for a document seen to declare no document type."""
    schema = strict_schema()
    return _start(lambda: check_without_tree(data, schema))


def check_strict_file(reading: FileReading) -> StrictCheck:
    """check_strict_bytes for a file read in pieces (secure.FileSource): never its whole bytes at once."""
    schema = strict_schema()
    return _start(lambda: check_file_without_tree(reading, schema))


def _start(check: Callable[[], bool]) -> StrictCheck:
    """`check` run in the worker thread (in the calling thread when no worker can start)."""

    def here() -> bool:
        return _strictly_valid(check)

    try:
        future = _pool.submit(_strictly_valid, check)
    except RuntimeError:  # the interpreter is shutting down (an atexit save, say): check here instead
        done: Future[bool] = Future()
        try:
            done.set_result(here())
        except StrictCheckError as exc:
            done.set_exception(exc)
        return StrictCheck(done, None, here)
    workers = list(getattr(_pool, "_threads", ()))
    return StrictCheck(future, workers[0] if workers else None, here)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No collection while a model of many objects is built (none of them is garbage yet)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
