"""`vxi deploy` stopped by Ctrl-C (SIGINT) or SIGTERM: the signal raises Interrupted where it lands, the deploy
rolls back what it made, and `what_stays` removes what the rollback could not know of before saying what is left."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.deploy.session import DeploySession


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a deploy (its text names the signal): raised where it lands, so the deploy rolls
    back what it made."""


class Stop:
    """The signal that stopped the deploy (its name), None until one comes."""

    signal: str | None = None


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[Stop]:
    """SIGINT and SIGTERM raise Interrupted in this process (the first one; further ones are ignored while it rolls
    back), and are kept in the Stop yielded. A process forked meanwhile dies of them as by default: pyroute2 forks
    a helper into a namespace and ends it with SIGTERM, and a helper that raised ran the deploy's rollback (and,
    in-process, its caller) while its parent waited for it forever. Where Python cannot raise (an at-fork hook, a
    finaliser) the Interrupted is dropped silently: the Stop says it came."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    owner = os.getpid()

    def handle(signum: int, _frame) -> None:
        if os.getpid() != owner:  # a forked child inherited this handler: it ends here, never returns to the deploy
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            os._exit(128 + signum)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop.signal = signal.Signals(signum).name
        raise Interrupted(stop.signal)

    def unraisable(info) -> None:  # logging's at-fork hook met it ("Exception ignored in: _releaseLock")
        if not isinstance(info.exc_value, Interrupted):
            hook(info)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield stop
    finally:
        sys.unraisablehook = hook
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def what_stays(session: DeploySession | None, made: bool) -> str:
    """What an interrupted deploy left, once it removed what it made (`made`: the deploy ended before the signal
    was seen) and what its backend finds by name that the rollback did not know of (a namespace the signal caught
    while it was created): nothing, or what `vxi teardown` finishes."""
    from backend.deploy import state
    from backend.deploy.record import DeploymentRecord
    from backend.deploy.session import DeploySession, SessionError

    deployer = session.deployer if session is not None else None
    if deployer is None:
        return "nothing of the deployment is left (rolled back)"
    tag = deployer.tag
    try:
        if made and state.exists(tag):
            DeploySession.of_record(state.load(tag)).teardown()
        kept = state.exists(tag)
    except (state.StateError, SessionError, KeyError) as exc:
        return f"rolled back; {exc}"
    if kept:
        return f"deployment {tag} was not all removed: `vxi teardown {tag}` removes the rest"
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
