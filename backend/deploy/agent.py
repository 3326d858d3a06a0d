"""The agent: one long-running process that follows the schedule of every deployment recorded in this state
directory (`vxi agent`). Each turn it reads the deployments from the database, brings each scheduled or
running one to the clock's now (`follow.follow`: what should have happened while no agent ran is caught up
in one step), then sleeps until the next change of any of them (at most `POLL_S`, so new deployments are
seen). Every action is logged with the time it was done, on the deployments' clock."""

from __future__ import annotations

import contextlib
import os
import select
from collections.abc import Callable

from backend.deploy import state
from backend.deploy.clock import Clock, speed_text
from backend.deploy.follow import follow, restart_interrupted
from backend.deploy.prepare import prepare_from
from backend.deploy.record import INTERRUPTED, RUNNING, SCHEDULED
from backend.deploy.time_status import schedule_of
from backend.model.printable import printable
from backend.model.timing import format_timestamp

POLL_S = 1.0  # the longest sleep between two turns (real seconds)
SHORTEST_S = 0.01


def stamp(clock: Clock, at: float) -> str:
    """'2026-12-06 10:00:00.0 UTC' (with the real time too when the clock is sped up)."""
    text = format_timestamp(at, "%Y-%m-%d %H:%M:%S") + f".{int(at * 10) % 10} UTC"
    if not clock.is_real:
        text += f" (real {format_timestamp(clock.real_at(at), '%H:%M:%S')}, {speed_text(clock)})"
    return text


class Agent:
    """Follows every deployment's schedule until `stop()`; `print_line` gets each log line."""

    def __init__(self, speed: float | None = None, print_line: Callable[[str], object] = print):
        self.speed = speed
        self.print_line = print_line
        self._stopped = False
        # `nudge` and `stop` write a byte that ends the sleep between two turns: a pipe, not a threading.Event, since
        # they run in signal handlers, and an Event set by a handler that interrupted the main thread's wait while
        # it held the Event's lock waited for that lock forever (the agent never stopped on SIGTERM)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.clock: Clock | None = None
        self._told_damaged: set[str] = set()

    def log(self, at: float, text: str) -> None:
        """One log line: the time on the deployments' clock, then what happened."""
        self.print_line(printable(f"{stamp(self.clock, at)}  {text}"))

    def stop(self) -> None:
        """End the loop (from another thread or a signal handler)."""
        self._stopped = True
        self.nudge()

    def nudge(self) -> None:
        """Make the next turn now (a deployment was just scheduled: SIGUSR1 from `vxi deploy`); takes no lock."""
        try:
            os.write(self._wake_write, b".")
        except (BlockingIOError, OSError):  # a wake already waiting (the pipe full), or the agent closed
            pass

    def _sleep(self, seconds: float) -> None:
        """Sleep `seconds`, or less when nudged or stopped (the wakes that came meanwhile are taken)."""
        ready, _, _ = select.select([self._wake_read], [], [], seconds)
        if ready:
            try:
                while os.read(self._wake_read, 4096):
                    pass
            except BlockingIOError:
                pass

    def close(self) -> None:
        """Give back the wake pipe (the agent cannot run again)."""
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    def run(self, turns: int | None = None) -> None:
        """Hold the agent's lock and follow the deployments (`turns` turns, or until stopped); StateError when
        another agent runs."""
        lock = state.agent_lock()
        try:
            self.clock = state.set_clock_speed(self.speed) if self.speed else state.clock()
            self.log(self.clock.now(), f"agent started (process {os.getpid()}, {speed_text(self.clock)}, "
                                       f"state {state.state_dir()})")
            count = 0
            while not self._stopped and (turns is None or count < turns):
                wake = self.turn()
                count += 1
                if not self._stopped:
                    self._sleep(wake)
            self.log(self.clock.now(), "agent stopped")
        finally:
            lock.release()

    def turn(self) -> float:
        """Bring every deployment to now; returns how long to sleep (real seconds) until the next change."""
        now = self.clock.now()
        upcoming = []
        found = state.survey()
        for damaged in found.damaged:  # said once each, then left alone (`vxi teardown ID` sweeps it by name)
            if damaged.id not in self._told_damaged:
                self._told_damaged.add(damaged.id)
                self.log(now, f"deployment {damaged.id} is not followed: {damaged.reason}")
        for record in found.records:
            schedule = schedule_of(record)
            if schedule is None:
                continue
            if record.state == INTERRUPTED and record.time.get("by_agent"):
                restart_interrupted(record.id, now, self.log)
            elif record.state not in (SCHEDULED, RUNNING):
                continue
            if not follow(record.id, now, self.log, self.clock.speed):
                upcoming.append(now + SHORTEST_S * 10 * self.clock.speed)  # busy: try again soon
                continue
            change = schedule.next_change(now)
            if change is not None:
                upcoming.append(change[0])
            if record.state == SCHEDULED and not record.time.get("prepared"):
                upcoming.append(prepare_from(record, schedule, self.clock.speed))  # its preparation ahead
        if not upcoming:
            return POLL_S
        real_wait = (min(upcoming) - self.clock.now()) / self.clock.speed
        return min(max(real_wait, SHORTEST_S), POLL_S)
