"""The translations hook: Qt's own strings (standard dialogs, buttons) and the designer's, in the user's language.

The designer's translations are Qt `.qm` files in the package data (`resources/translations/vxi-designer_LANG.qm`,
made from the `tr()` strings with `pyside6-lupdate` and `pyside6-lrelease`); Qt's come with PySide6. The language
is the system's (`LANGUAGE`, `LC_ALL`, `LANG`), or `VXI_LANG` (`fr`, `pt_BR`, `C` for none). A missing file is
not an error: the text stays in English."""

from __future__ import annotations

import os

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from backend.resources import resource_path

APP_ID = "vxi-designer"


def locale() -> QLocale:
    """The language to show: VXI_LANG when set, else the system's."""
    chosen = os.environ.get("VXI_LANG")
    return QLocale(chosen) if chosen else QLocale.system()


def install(app: QApplication) -> list[QTranslator]:
    """Load and install the translations found for the language; returns them (translator.filePath() names the
    file; app.removeTranslator undoes one)."""
    where = locale()
    if where.language() in (QLocale.Language.C, QLocale.Language.English):
        return []
    loaded = []
    folders = {"qtbase": QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
               APP_ID: str(resource_path("translations"))}
    for name, folder in folders.items():
        translator = QTranslator(app)
        if translator.load(where, name, "_", folder):
            app.installTranslator(translator)
            loaded.append(translator)
    return loaded
