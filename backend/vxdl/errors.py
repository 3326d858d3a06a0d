"""Errors of files that cannot be read as VXDL at all (exit 2 of `vxi validate`)."""


class VxdlFileError(Exception):
    """A file that cannot be read, is not XML, is hostile, or is not VXDL; the message names it."""

    def __init__(self, filename: str, reason: str, line: int | None = None):
        where = f"{filename}:{line}" if line else filename
        super().__init__(f"{where}: {reason}")
        self.filename = filename
        self.reason = reason
        self.line = line
