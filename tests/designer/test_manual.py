"""Help ▸ User manual: the manual's pages, installed with the program, read in the designer; links between pages
followed by a click, pictures shown, Back returns; Help ▸ About leads there."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtTest import QTest

from backend.resources import manual_page


def click_link(browser, href: str) -> None:
    """Click the middle of the first link to `href` in the browser, as a user would."""
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(browser.document())
                cursor.setPosition(fragment.position() + fragment.length() // 2)
                browser.setTextCursor(cursor)
                browser.ensureCursorVisible()
                centre = browser.cursorRect(cursor).center()
                QTest.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
                return
            it += 1
        block = block.next()
    raise AssertionError(f"no link to {href}")


def test_the_manual_opens_at_its_contents_follows_links_shows_pictures_and_goes_back(make_window, qtbot):
    window = make_window()
    window.actions_by_name["manual"].trigger()
    manual = window.dialogs_open["manual"]
    qtbot.waitExposed(manual)
    browser = manual.browser
    assert browser.source() == QUrl.fromLocalFile(str(manual_page("index.md")))
    assert "The designer" in browser.toPlainText()
    assert not manual.back.isEnabled()

    click_link(browser, "designer.md")
    qtbot.waitUntil(lambda: browser.source().fileName() == "designer.md", timeout=3000)
    assert browser.toPlainText().startswith("The designer")
    assert manual.windowTitle().startswith("The designer")
    picture = browser.source().resolved(QUrl("screenshots/designer-light.png"))
    image = browser.document().resource(QTextDocument.ResourceType.ImageResource, picture)
    assert image is not None and not image.isNull()  # the screenshot was found beside the installed page

    assert manual.back.isEnabled()
    QTest.mouseClick(manual.back, Qt.MouseButton.LeftButton)
    assert browser.source().fileName() == "index.md"


def test_about_says_where_the_manual_is_and_its_link_opens_it(make_window, qtbot):
    window = make_window()
    window.actions_by_name["about"].trigger()
    about = window.dialogs_open["about"]
    assert "User manual" in about.text.text() and str(manual_page().parent) in about.text.text()
    about.text.linkActivated.emit("manual:designer.md")  # what QLabel sends when its link is clicked
    manual = window.dialogs_open["manual"]
    assert manual.isVisible() and manual.browser.source().fileName() == "designer.md"
