"""VXDL 2.0 in and out: safe parsing, XSD and cardinality checks, semantic rules, strict-order writing.

The public API, re-exported: reading is in reader.py, writing in writer.py (the field table they follow is
fields.py)."""

from backend.vxdl.errors import VxdlFileError
from backend.vxdl.reader import ReadResult, fill_columns, read_bytes, read_file, strict_problems
from backend.vxdl.writer import write_bytes, write_file

__all__ = ["ReadResult", "VxdlFileError", "fill_columns", "read_bytes", "read_file", "strict_problems", "write_bytes",
           "write_file"]
