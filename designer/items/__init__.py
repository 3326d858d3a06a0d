"""Scene items: each holds a model id and draws what the model says about it."""

from designer.items.component import ComponentItem
from designer.items.label import LabelItem
from designer.items.link import LinkItem

__all__ = ["ComponentItem", "LabelItem", "LinkItem"]
