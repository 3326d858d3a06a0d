"""`vxi deploy` stopped by Ctrl-C (SIGINT) or SIGTERM: the signal raises Interrupted where it lands (or at the next
step), the deploy rolls back what it made, and `what_stays` removes what the rollback could not know of before
saying what is left. `vxi teardown` and `vxi migrate` defer it: the step in progress is finished (a deployment's
removal, a move), then they stop; `vxi agent` stops after its turn (`calling_on`). Any other command: SIGTERM as
Ctrl-C (`terminated_as_interrupt`)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.deploy.session import DeploySession


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a deploy (its text names the signal): raised where it lands, so the deploy rolls
    back what it made."""


# Code a signal must not break into: an exception raised there is dropped (an at-fork hook of logging), leaves a
# library half-way (pyroute2's asyncio tasks, a lock's condition, an import), or is said on stderr by the library.
FRAGILE = ("pyroute2", "asyncio", "logging", "threading", "concurrent", "importlib", "selectors", "weakref")


class Stop:
    """The signal that stopped the deploy (its name, None until one comes), and whether it was raised yet."""

    signal: str | None = None
    raised = False

    def is_set(self) -> bool:
        """Whether a signal came: as `locks.ended_by`'s event, it ends a wait for a lock or a SQLite write."""
        return self.signal is not None

    def check(self) -> None:
        """Raise Interrupted for a signal that came in fragile code, at a point where the deploy rolls back
        (between two steps, in the main thread, outside any exception's handling, such as a rollback)."""
        if self.signal is not None and not self.raised and sys.exc_info()[1] is None and \
                threading.current_thread() is threading.main_thread():
            self.raised = True
            raise Interrupted(self.signal)

    def checked(self, listener: Callable) -> Callable:
        """`listener`, checking for a signal after each step it is told of."""
        def told(progress) -> None:
            listener(progress)
            self.check()
        return told


def _fragile(frame, modules: tuple[str, ...] = FRAGILE) -> bool:
    """Whether the code a signal interrupted runs in one of the FRAGILE modules (or of `modules`)."""
    while frame is not None:
        if frame.f_globals.get("__name__", "").partition(".")[0] in modules:
            return True
        frame = frame.f_back
    return False


UNRAISABLE = tuple(m for m in FRAGILE if m != "importlib")  # an import interrupted is undone, as on Ctrl-C


def _forked_dies(owner: int, signum: int) -> None:
    """In a process forked from `owner` that inherited its handler: die of the signal as by default (it never
    returns to the parent's work)."""
    if os.getpid() != owner:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        os._exit(128 + signum)


@contextlib.contextmanager
def stopped_by_signals(defer: bool = False) -> Iterator[Stop]:
    """SIGINT and SIGTERM stop the deploy (the first one; further ones are ignored while it rolls back): raised
    where they land as Interrupted, or at the next step (`Stop.check`) when they land in FRAGILE code. A process
    forked meanwhile dies of them as by default: pyroute2 forks a helper into a namespace and ends it with SIGTERM,
    and a helper that raised ran the deploy's rollback (and, in-process, its caller) while its parent waited for it
    forever. An Interrupted that Python dropped (a finaliser) is raised again at the next step. `defer`: a signal is
    only noted, for the command to stop where it can (`Stop.check`, or `stop.signal`)."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    owner = os.getpid()

    def handle(signum: int, frame) -> None:
        _forked_dies(owner, signum)
        if stop.signal is not None:
            return
        stop.signal = signal.Signals(signum).name
        if not defer and not _fragile(frame):
            stop.raised = True
            raise Interrupted(stop.signal)

    def unraisable(info) -> None:
        if isinstance(info.exc_value, Interrupted):
            stop.raised = False  # dropped: raised again at the next step
        else:
            hook(info)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)
                if signal.getsignal(sig) is not signal.SIG_IGN}  # one ignored (nohup, a background job) stays so
    hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield stop
    finally:
        sys.unraisablehook = hook
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM raises Interrupted('SIGTERM') as Ctrl-C raises KeyboardInterrupt (the command says it was interrupted,
    in one line); in FRAGILE code other than an import, where a raise can be dropped or leave the process waiting on
    a library, it dies of it as by default, as does a process forked meanwhile (see `stopped_by_signals`)."""
    owner = os.getpid()

    def handle(signum: int, frame) -> None:
        _forked_dies(owner if not _fragile(frame, UNRAISABLE) else -1, signum)
        raise Interrupted(signal.Signals(signum).name)

    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:  # ignored, or a caller's own: kept
        yield
        return
    signal.signal(signal.SIGTERM, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def calling_on(signals: dict[int, Callable[[], object]]) -> Iterator[None]:
    """Within the block each signal calls its function (`vxi agent`: stop after the turn, look now); one ignored
    when `vxi` started stays so, and a process forked meanwhile dies of it as by default (a pyroute2 helper that
    ran the function instead went on, and its parent waited for it)."""
    owner = os.getpid()

    def handle(signum: int, frame) -> None:
        _forked_dies(owner, signum)
        signals[signum]()

    previous = {sig: signal.signal(sig, handle) for sig in signals if signal.getsignal(sig) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def said(exc: KeyboardInterrupt) -> str:
    """'interrupted', or 'interrupted by SIGTERM'."""
    return f"interrupted by {exc}" if isinstance(exc, Interrupted) and str(exc) else "interrupted"


def what_stays(session: DeploySession | None) -> str:
    """What an interrupted deploy left, once what it still records is torn down (made before the signal was seen,
    or kept by a rollback that could not remove everything) and what its backend finds by name that the rollback
    did not know of is removed (a namespace the signal caught while it was created): nothing, or what `vxi
    teardown` finishes."""
    from backend.deploy import state
    from backend.deploy.record import DeploymentRecord
    from backend.deploy.session import DeploySession, SessionError

    deployer = session.deployer if session is not None else None
    if deployer is None:
        return "nothing of the deployment is left (rolled back)"
    tag = deployer.tag
    try:
        if state.exists(tag):
            DeploySession.of_record(state.load(tag)).teardown()
    except SessionError:
        return f"deployment {tag} was not all removed: `vxi teardown {tag}` removes the rest"
    except (state.StateError, KeyError) as exc:
        return f"rolled back; {exc}"
    if _found_by_name(deployer.record):
        with contextlib.suppress(state.StateError, SessionError):
            DeploySession.of_record(DeploymentRecord(tag, deployer.record.backend)).teardown()
        if _found_by_name(deployer.record):
            return f"deployment {tag} left objects found by name: `vxi teardown {tag}` removes them"
    return "nothing of the deployment is left (rolled back)"


def _found_by_name(record) -> bool:
    """Whether the deployment's backend still finds objects of it by name."""
    from backend.deploy.backends import backend

    chosen = backend(record.backend)
    return chosen.leftovers is not None and chosen.unavailable() is None and record.id in chosen.leftovers()
