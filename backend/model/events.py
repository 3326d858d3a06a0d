"""Change events that views (a Qt scene, a problems list) observe on a model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    """What changed: `action` is added, removed, changed or reset; `what` is component, link, ..."""

    action: str
    what: str
    id: str | None = None
    fields: tuple[str, ...] = ()


Listener = Callable[[Change], None]


@dataclass
class Observable:
    """Keeps listeners and tells them about changes; batches notify once at the end."""

    _listeners: list[Listener] = field(default_factory=list, init=False, repr=False, compare=False)

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every future Change."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling `listener`."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def notify(self, change: Change) -> None:
        """Tell every listener about `change`."""
        for listener in list(self._listeners):
            listener(change)
