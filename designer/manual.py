"""Help ▸ User manual: the manual's pages (docs/, installed with the program as vxi_resources.manual) in a
window of their own, links between pages followed, pictures shown; web links open in the browser.

    ManualWindow(window, page="index.md")   Back, Forward, Contents; show_page(name) opens another page
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QKeySequence, QTextDocument
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from backend.resources import manual_page

PICTURE_WIDTH = 760  # screenshots are taken at 1280 px: shown smaller, whole, without a sideways scroll


class _Pages(QTextBrowser):
    """A text browser that shows the manual's pictures at most PICTURE_WIDTH wide."""

    def loadResource(self, kind: int, url: QUrl):
        data = super().loadResource(kind, url)
        if kind == QTextDocument.ResourceType.ImageResource.value and data is not None:
            image = QImage.fromData(data) if not isinstance(data, QImage) else data
            if image.width() > PICTURE_WIDTH:
                return image.scaledToWidth(PICTURE_WIDTH, Qt.TransformationMode.SmoothTransformation)
        return data


class ManualWindow(QDialog):
    """The manual, read offline from the installed pages."""

    def __init__(self, window: QWidget, page: str = "index.md") -> None:
        super().__init__(window)
        self.setWindowTitle("VXI Designer manual")
        self.browser = _Pages()
        self.browser.setOpenLinks(False)  # links between pages and to the web are sorted out in _follow
        self.browser.anchorClicked.connect(self._follow)
        self.browser.sourceChanged.connect(self._changed)
        self.back = QPushButton("Back")
        self.back.setShortcut(QKeySequence.StandardKey.Back)
        self.back.clicked.connect(self.browser.backward)
        self.browser.backwardAvailable.connect(self.back.setEnabled)
        self.forward = QPushButton("Forward")
        self.forward.setShortcut(QKeySequence.StandardKey.Forward)
        self.forward.clicked.connect(self.browser.forward)
        self.browser.forwardAvailable.connect(self.forward.setEnabled)
        contents = QPushButton("Contents")
        contents.clicked.connect(lambda: self.show_page("index.md"))
        self.where = QLabel()  # the page's file: the manual is a folder of Markdown a user can also open
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = QHBoxLayout()
        for button in (self.back, self.forward, contents):
            button.setAutoDefault(False)
            bar.addWidget(button)
        bar.addWidget(self.where, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.browser, 1)
        self.back.setEnabled(False)
        self.forward.setEnabled(False)
        self.resize(860, 680)
        self.show_page(page)

    def show_page(self, name: str) -> None:
        """Open one page of the manual by its file name, e.g. "designer.md"."""
        self.browser.setSource(QUrl.fromLocalFile(str(manual_page(name))))

    def _follow(self, url: QUrl) -> None:
        if url.scheme() in ("", "file"):
            target = self.browser.source().resolved(url)
            if target.isLocalFile() and target.toLocalFile().endswith(".md"):
                self.browser.setSource(target)  # another page (Qt shows Markdown; an anchor opens the page's top)
                return
        QDesktopServices.openUrl(url)  # the web, a picture, anything not a page

    def _changed(self, url: QUrl) -> None:
        self.where.setText(url.toLocalFile())
        title = self.browser.document().firstBlock().text() or url.fileName()  # the page's heading
        self.setWindowTitle(f"{title} — VXI Designer manual")
