"""An SVG written in pieces as it is drawn. Qt's SVG generator keeps the whole document's text (as UTF-16) until
its painter ends, then writes it out at once: a large design's SVG was held whole, then copied three times. Here
the drawing goes to a painter on one generator until it has drawn about `PIECE_WEIGHT` things, then on to a new
one with the same painter state; each piece's text is written out when it ends, so one piece is all that is held.

The document is the first piece's header, then each piece's group (Qt opens one with its defaults and closes it
at the end), then `</svg>`. A drawing that fits in one piece is written as Qt writes it, byte for byte."""

from __future__ import annotations

import re

from PySide6.QtCore import QBuffer, QIODevice, QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator

PIECE_WEIGHT = 2_000  # what a piece draws (about 0.7 MB of text): a link's line counts 1, a component 10, a label
# or a badge 2
_DEFS, _END_DEFS, _END = b"<defs>\n", b"</defs>\n", b"</svg>\n"
DESCRIPTION = "Drawn by VXI Designer"
_DEFS_AFTER_DESC = f"<desc>{DESCRIPTION}</desc>\n".encode() + _DEFS


class SvgPieces:
    """Painters on successive SVG generators, whose texts are written to `out` as one document."""

    def __init__(self, out, width: int, height: int, title: str) -> None:
        self.out, self.width, self.height, self.title = out, width, height, title
        self.weight = 0
        self.pieces = 0
        self.saved: list[tuple] = []  # the painter's state at each save() made through this object
        self._buffer: QBuffer | None = None
        self._generator: QSvgGenerator | None = None
        self.painter = self._begin()

    def _begin(self) -> QPainter:
        self._buffer = QBuffer()
        self._buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self._generator = generator = QSvgGenerator()
        generator.setOutputDevice(self._buffer)
        generator.setSize(QSize(self.width, self.height))
        generator.setViewBox(QRect(0, 0, self.width, self.height))
        generator.setTitle(self.title)
        generator.setDescription(DESCRIPTION)
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError("the picture could not be drawn")
        return painter

    def save(self) -> None:
        """`painter.save()`, remembered so that a new piece's painter is in the same state."""
        self.saved.append(_state(self.painter))
        self.painter.save()

    def restore(self) -> None:
        """`painter.restore()`."""
        self.saved.pop()
        self.painter.restore()

    def after(self, painter: QPainter, weight: int = 1) -> QPainter:
        """The painter to draw on next, once `painter` has drawn `weight` more things: a new piece's when this
        piece is full (in the same state, saved states included), else `painter`."""
        self.weight += weight
        if self.weight < PIECE_WEIGHT:
            return painter
        self.weight = 0
        now = _state(painter)
        self._end(painter)
        painter = self.painter = self._begin()
        for state in self.saved:
            _apply(painter, state)
            painter.save()
        _apply(painter, now)
        return painter

    def finish(self) -> None:
        """End the last piece and the document."""
        self._end(self.painter)
        self.out.write(_END)

    def _end(self, painter: QPainter) -> None:
        """End a piece: its text (without `</svg>`) goes to `out`, its defs renamed apart from other pieces'."""
        for _level in range(len(self.saved)):
            painter.restore()
        painter.end()
        text = self._buffer.data().data()
        self._buffer.close()
        self._buffer = self._generator = None
        cut = text.rindex(_DEFS_AFTER_DESC) + len(_DEFS_AFTER_DESC)  # Qt escapes the title and texts: this is
        head, rest = text[:cut - len(_DEFS)], text[cut:]  # the header's end (the last one, to be sure)
        defs, body = rest.split(_END_DEFS, 1)
        body = body[:len(body) - len(_END)] if body.endswith(_END) else body
        if self.pieces == 0:
            self.out.write(head + _DEFS + defs + _END_DEFS)
        elif defs.strip():
            defs, body = _apart(defs, body, f"piece{self.pieces}-")
            self.out.write(_DEFS + defs + _END_DEFS)
        self.out.write(body)
        self.pieces += 1


def _state(painter: QPainter) -> tuple:
    return (painter.worldTransform(), painter.pen(), painter.brush(), painter.font(), painter.opacity(),
            painter.renderHints(), painter.hasClipping() and painter.clipPath())


def _apply(painter: QPainter, state: tuple) -> None:
    transform, pen, brush, font, opacity, hints, clip = state
    painter.setRenderHints(painter.renderHints(), False)
    painter.setRenderHints(hints)
    painter.setWorldTransform(transform)
    painter.setPen(pen)
    painter.setBrush(brush)
    painter.setFont(font)
    painter.setOpacity(opacity)
    if clip is not False:
        painter.setClipPath(clip)


def _apart(defs: bytes, body: bytes, prefix: str) -> tuple[bytes, bytes]:
    """A piece's defs and body with the ids its defs declare prefixed (each generator numbers its own from 1)."""
    names = set(re.findall(rb'id="([^"]+)"', defs))
    if not names:
        return defs, body
    pattern = re.compile(rb'(id="|url\(#|href="#)(' + b"|".join(re.escape(n) for n in names) + rb')(?=["\)])')
    rename = lambda match: match.group(1) + prefix.encode() + match.group(2)  # noqa: E731
    return pattern.sub(rename, defs), pattern.sub(rename, body)
