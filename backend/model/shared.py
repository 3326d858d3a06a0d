"""Empty containers shared by every model object that holds nothing in them (a model of 100,000 links held
300,000 empty dicts and lists, a third of its size), and common strings kept once.

The shared empties are read-only: an edit in place raises TypeError instead of changing every object that
shares one. Give the object its own first (`owned`), or assign a new container, as the designer's edits do.
A copy (copy, deepcopy, pickle) of a shared empty is an ordinary one."""

from __future__ import annotations

from typing import Any


def _refuse(self, *args, **kwargs):
    raise TypeError("a shared empty container of the model cannot be changed in place: give the object its own "
                    "(backend.model.shared.owned) or assign a new one")


class FrozenDict(dict):
    """A dict that refuses changes; copies are plain dicts."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = setdefault = update = pop = popitem = clear = _refuse

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo) -> dict:
        import copy

        return {copy.deepcopy(k, memo): copy.deepcopy(v, memo) for k, v in self.items()}

    def __reduce__(self):
        return (dict, (dict(self),))


class FrozenList(list):
    """A list that refuses changes; copies are plain lists."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = append = extend = insert = remove = pop = clear = sort = \
        reverse = _refuse

    def __copy__(self) -> list:
        return list(self)

    def __deepcopy__(self, memo) -> list:
        import copy

        return [copy.deepcopy(v, memo) for v in self]

    def __reduce__(self):
        return (list, (list(self),))


EMPTY_DICT: dict = FrozenDict()
EMPTY_LIST: list = FrozenList()


def empty_dict() -> dict:
    """The shared empty dict (a dataclass field's default_factory)."""
    return EMPTY_DICT


def empty_list() -> list:
    """The shared empty list (a dataclass field's default_factory)."""
    return EMPTY_LIST


def owned(obj: Any, attr: str) -> Any:
    """The container in `obj.attr`, made the object's own first when it is a shared one (to change in place)."""
    value = getattr(obj, attr)
    if type(value) is FrozenDict:
        value = dict(value)
        setattr(obj, attr, value)
    elif type(value) is FrozenList:
        value = list(value)
        setattr(obj, attr, value)
    return value


_PORT_NAMES = [f"p{i}" for i in range(64)]


def port_names(count: int) -> list[str]:
    """A new list of the port names p0 .. p(count-1); the first 64 names are strings made once."""
    return _PORT_NAMES[:count] + [f"p{i}" for i in range(len(_PORT_NAMES), count)]


class ReadAt:
    """What an object read from a file has: `origin`, the place it was read (kept as its line, `at_line`: a tuple
    per object was 56 bytes of a link's 400)."""

    __slots__ = ()
    at_line: int | None

    @property
    def origin(self) -> tuple[int, int] | None:
        """(line, column) where it was read, the column unknown (0); None for one made otherwise."""
        return None if self.at_line is None else (self.at_line, 0)
