"""The translations hook: the user's language reaches Qt's own strings; English and C load nothing."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialogButtonBox

from designer import translations


def _close_text() -> str:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    return box.button(QDialogButtonBox.StandardButton.Close).text()


def test_french_reaches_the_standard_buttons(qapp, monkeypatch):
    english = _close_text()
    monkeypatch.setenv("VXI_LANG", "fr")
    loaded = translations.install(QApplication.instance())
    try:
        assert any(t.filePath().endswith("qtbase_fr.qm") for t in loaded)
        assert _close_text().replace("&", "") == "Fermer" and english.replace("&", "") == "Close"
    finally:
        for translator in loaded:
            QApplication.instance().removeTranslator(translator)
    assert _close_text() == english


def test_english_and_c_load_nothing(qapp, monkeypatch):
    for lang in ("C", "en_GB"):
        monkeypatch.setenv("VXI_LANG", lang)
        assert translations.install(QApplication.instance()) == []


def test_the_application_names_its_desktop_entry_and_version(qapp):
    import backend
    from designer.app import make_application

    app = make_application([], theme="light")
    assert app.desktopFileName() == "vxi-designer"
    assert app.applicationVersion() == backend.__version__
    assert not app.windowIcon().isNull()
