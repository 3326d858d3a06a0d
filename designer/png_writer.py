"""A PNG encoder fed one band of rows at a time (zlib from the standard library), so that a large picture is
never held whole as pixels: only one band and the compressed bytes so far."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class PngBands:
    """An 8-bit RGBA PNG of `width` x `height` built from bands of rows given top to bottom."""

    def __init__(self, width: int, height: int, title: str = "") -> None:
        self.width, self.height = width, height
        self.rows = 0
        self._zip = zlib.compressobj(6)
        self._parts = [SIGNATURE, chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))]
        if title:  # iTXt: keyword, no compression, no language, the text in UTF-8
            self._parts.append(chunk(b"iTXt", b"Title\x00\x00\x00\x00\x00" + title.encode("utf-8")))

    def add(self, pixels: memoryview | bytes, stride: int, rows: int) -> None:
        """Add `rows` rows of RGBA bytes (`stride` bytes a row, the first width * 4 of them the pixels)."""
        if self.rows + rows > self.height:
            raise ValueError(f"{self.rows + rows} rows given for a picture of {self.height}")
        line = self.width * 4
        view = memoryview(pixels)
        filtered = bytearray()
        for row in range(rows):  # each row starts with its filter type: 0, none (flat areas compress well)
            filtered += b"\x00"
            filtered += view[row * stride: row * stride + line]
        data = self._zip.compress(bytes(filtered))
        if data:
            self._parts.append(chunk(b"IDAT", data))
        self.rows += rows

    def finish(self) -> bytes:
        """The whole PNG file (every row must have been given)."""
        if self.rows != self.height:
            raise ValueError(f"{self.rows} rows given for a picture of {self.height}")
        self._parts += [chunk(b"IDAT", self._zip.flush()), chunk(b"IEND", b"")]
        return b"".join(self._parts)
