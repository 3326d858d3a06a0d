"""Errors of files that cannot be read as VXDL at all (exit 2 of `vxi validate`)."""

from backend.files import FileReadError


class VxdlFileError(FileReadError):
    """A file that cannot be read, is not XML, is hostile, or is not VXDL; the message names it (one line,
    with control and bidi characters escaped)."""
