"""The preview's drawing: the substrate view, opened at a zoom where its text is readable (at least 9 pt on
screen; the drawing scrolls when it is larger than the view, and the wheel still zooms out to see it all),
with its legend in the panel beside it rather than in the drawing."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QWidget

from widgets.substrate_items import TEXT_PT
from widgets.substrate_view import SubstrateView

READABLE_PT = 9.0  # the smallest text size on screen at the opening zoom
MARGIN = 40.0  # scene units around the drawing: the scroll area's edge, and what a whole view shows around it


class PreviewView(SubstrateView):
    """A SubstrateView that never opens below the readable zoom and leaves its legend to the panel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

    def readable_zoom(self) -> float:
        """The least zoom at which every text of the drawing is READABLE_PT or more."""
        return READABLE_PT / TEXT_PT

    def _rebuild(self) -> None:
        super()._rebuild()
        if self.legend is not None:
            self.legend.hide()  # the panel's legend says it, at a size that does not depend on the zoom
            self.scene().setSceneRect(self.content_rect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))
            if self._auto_fit:
                self.fit_all()

    def content_rect(self) -> QRectF:
        """What is drawn, the hidden legend aside (kept by the view as it fills its items, not summed again
        over the scene's items: thousands on a data centre)."""
        return QRectF(self.contents)

    def focus_point(self) -> QPointF:
        """Where to look first: the hosts holding the first request's chips (the open document's VXI) when they
        fit in the view together, else the one holding most of them; the drawing's centre without chips."""
        first = self.mapping.requests[0].id if self.mapping is not None and self.mapping.requests else None
        boxes = [(sum(chip.request == first for chip in box.chips), box) for box in self.boxes.values()]
        boxes = [(count, box) for count, box in boxes if count]
        if not boxes:
            return self.content_rect().center()
        rect = QRectF()
        for _count, box in boxes:
            rect = rect.united(box.sceneBoundingRect())
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        if rect.width() <= seen.width() and rect.height() <= seen.height():
            return rect.center()
        return max(boxes, key=lambda pair: pair[0])[1].sceneBoundingRect().center()

    def fit_all(self) -> None:
        """Show the whole drawing, unless its text would then be too small to read: then the readable zoom,
        centred on the open VXI's hosts (a large substrate, drawn as site blocks to be seen whole, always fits)."""
        rect = self.content_rect()
        if rect.isEmpty():
            return
        self._fit_whole(rect)
        floor = self.readable_zoom()
        if self.transform().m11() < floor and not getattr(self, "grouped", False):
            self.setTransform(QTransform.fromScale(floor, floor))
            self.centerOn(self.focus_point())

    def zoom_to_site(self, site: str, around: QPointF | None = None) -> None:
        """Show one site block whole when its text reads at that zoom; else at the readable zoom, centred on the
        point double-clicked (the block's centre without one): the hosts' names, bars and chips legible."""
        super().zoom_to_site(site, around)
        frame = self.frames.get(site)
        floor = self.readable_zoom()
        if frame is not None and self.transform().m11() < floor:
            self.setTransform(QTransform.fromScale(floor, floor))
            inside = around is not None and frame.frame.contains(around)
            self.centerOn(around if inside else frame.frame.center())

    def show_whole(self) -> None:
        """Zoom out until the whole drawing shows (its text may then be small); the user's zoom from now on."""
        rect = self.content_rect()
        if not rect.isEmpty():
            self._auto_fit = False
            self._fit_whole(rect)

    def _fit_whole(self, rect: QRectF) -> None:
        """Fit the drawing with the scene's margin: the scene rect fits the viewport, so no scroll bar shows up
        (one appearing after the fit would shrink the viewport under the fitted drawing)."""
        self.fitInView(rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN), Qt.AspectRatioMode.KeepAspectRatio)
