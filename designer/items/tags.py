"""Tags on scene items, for tools and tests: `data(KIND)` says what an item draws, `data(MODEL_ID)` which model id.

A port also holds its port name in `data(PORT_NAME)`; a label or badge holds the id of the component or link
it belongs to.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsItem

KIND, MODEL_ID, PORT_NAME = 0, 1, 2
COMPONENT, LINK, LABEL, PORT, BADGE = "component", "link", "label", "port", "badge"


def tag(item: QGraphicsItem, kind: str, model_id: str) -> None:
    """Mark `item` as drawing `kind` for the model element `model_id`."""
    item.setData(KIND, kind)
    item.setData(MODEL_ID, model_id)


def kind_of(item: QGraphicsItem) -> str | None:
    """The kind an item was tagged with (None for untagged items)."""
    return item.data(KIND)


class Tagged:
    """Mixin: an item whose tags are its own, `data(KIND)` its class's `tag_kind` and `data(MODEL_ID)` its `ident`
    (two setData calls kept QVariants of about 350 bytes an item: 7 MB for 20,000 components)."""

    __slots__ = ()
    tag_kind = ""

    def data(self, key: int):
        if key == KIND:
            return self.tag_kind
        if key == MODEL_ID:
            return self.ident
        return super().data(key)
