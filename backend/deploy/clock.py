"""The deployments' clock: real time, or real time sped up for demonstrations and tests (`vxi agent --speed 60`
runs an hour of lease in a minute). It is kept in the deployments database, so every command reads the same
time and an agent restarted goes on on the same clock.

A clock is the moment (`real`, `virtual`) at which its speed was last set: at real time t it reads
virtual + (t - real) * speed. Changing the speed keeps the time it reads (no jump)."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    """Virtual time from real time: `virtual + (real_now - real) * speed`."""

    speed: float = 1.0
    real: float = 0.0
    virtual: float = 0.0

    def now(self, real: float | None = None) -> float:
        """The time this clock reads (epoch seconds) at a real moment (now by default)."""
        real = time.time() if real is None else real
        return self.virtual + (real - self.real) * self.speed

    def real_at(self, virtual: float) -> float:
        """The real moment at which this clock reads `virtual`."""
        return self.real + (virtual - self.virtual) / self.speed

    def at_speed(self, speed: float, real: float | None = None) -> Clock:
        """The same clock from `real` on at another speed (the time it reads goes on without a jump)."""
        if speed <= 0:
            raise ValueError(f"a clock speed must be positive (not {speed:g})")
        real = time.time() if real is None else real
        return Clock(float(speed), real, self.now(real))

    @property
    def is_real(self) -> bool:
        """True when this clock reads real time."""
        return self.speed == 1.0 and self.real == self.virtual

    def to_json(self) -> dict:
        """The stored form (also in `vxi status --json` with the time it reads)."""
        return {"speed": self.speed, "real": self.real, "virtual": self.virtual}

    @classmethod
    def from_json(cls, data: dict) -> Clock:
        """Read the stored form back (ValueError when it is damaged)."""
        clock = cls(float(data["speed"]), float(data["real"]), float(data["virtual"]))
        if clock.speed <= 0:
            raise ValueError(f"clock speed {clock.speed:g}")
        return clock


REAL = Clock()  # reads real time


def speed_text(clock: Clock) -> str:
    """'real time' or 'clock ×60'."""
    return "real time" if clock.is_real else f"clock ×{clock.speed:g}"
