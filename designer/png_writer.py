"""A PNG encoder fed one band of rows at a time (zlib from the standard library), so that a large picture is
never held whole: only one band of pixels, and the compressed bytes go straight to the output as they come."""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

SIGNATURE = b"\x89PNG\r\n\x1a\n"
NO_FILTER = b"\x00"


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class PngBands:
    """An 8-bit RGBA PNG of `width` x `height` built from bands of rows given top to bottom, written to `out` (a
    binary file object) as it is compressed."""

    def __init__(self, out: BinaryIO, width: int, height: int, title: str = "") -> None:
        self.out = out
        self.width, self.height = width, height
        self.rows = 0
        self._zip = zlib.compressobj(6)
        out.write(SIGNATURE)
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)))
        if title:  # iTXt: keyword, no compression, no language, the text in UTF-8
            out.write(chunk(b"iTXt", b"Title\x00\x00\x00\x00\x00" + title.encode("utf-8")))

    def add(self, pixels: memoryview | bytes, stride: int, rows: int) -> None:
        """Add `rows` rows of RGBA bytes (`stride` bytes a row, the first width * 4 of them the pixels), compressed
        straight from `pixels` (no copy of the band is made)."""
        if self.rows + rows > self.height:
            raise ValueError(f"{self.rows + rows} rows given for a picture of {self.height}")
        line = self.width * 4
        view = memoryview(pixels).cast("B")
        compress = self._zip.compress
        for row in range(rows):  # each row starts with its filter type: 0, none (flat areas compress well)
            self._emit(compress(NO_FILTER))
            self._emit(compress(view[row * stride: row * stride + line]))
        self.rows += rows

    def _emit(self, data: bytes) -> None:
        if data:
            self.out.write(chunk(b"IDAT", data))

    def finish(self) -> None:
        """End the file (every row must have been given)."""
        if self.rows != self.height:
            raise ValueError(f"{self.rows} rows given for a picture of {self.height}")
        self._emit(self._zip.flush())
        self.out.write(chunk(b"IEND", b""))
